// Types for the parts of prom-client that gateway/metrics.ts loads one by one: the package's index
// also loads the cluster aggregator, the push gateway and the default metrics, 4 MB of RSS that
// the daemon never uses. Each part's module.exports is the class the index exports.
declare module 'prom-client/lib/registry' {
  import type { Registry } from 'prom-client';
  const RegistryClass: typeof Registry;
  export default RegistryClass;
}
declare module 'prom-client/lib/counter' {
  import type { Counter } from 'prom-client';
  const CounterClass: typeof Counter;
  export default CounterClass;
}
declare module 'prom-client/lib/gauge' {
  import type { Gauge } from 'prom-client';
  const GaugeClass: typeof Gauge;
  export default GaugeClass;
}
declare module 'prom-client/lib/histogram' {
  import type { Histogram } from 'prom-client';
  const HistogramClass: typeof Histogram;
  export default HistogramClass;
}
