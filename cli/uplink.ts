// `implant-scan uplink`: the hospital's forwarder from its broker to the national service, until
// SIGTERM/SIGINT. Prints `ready {json}` once subscribed; logs are pino JSON on stderr.
//   implant-scan uplink --site sahlgrenska --broker mqtt://broker:1883 --national https://national.example/ \
//                       --data-dir /var/lib/implant-scan-uplink [--token-file t] [--tls-ca ca.pem --tls-cert c.pem --tls-key k.pem]

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { isValidId } from '../protocol/topics.ts';
import { Outbox } from '../gateway/outbox/outbox.ts';
import { httpNationalClient } from '../gateway/uplink/national-client.ts';
import { Uplink } from '../gateway/uplink/uplink.ts';
import { commandLine } from './args.ts';

const HELP = `usage: implant-scan uplink --site ID --broker URL --national URL [options]

Forwards every theatre's scans of one hospital (site) from the hospital broker to the national
service, in batches, and publishes each receipt back to its gateway. Its own durable outbox keeps
everything through restarts and national outages.

  --site ID            the hospital's site id (topic level)
  --broker URL         the hospital broker, e.g. mqtts://broker.hospital.local:8883
  --national URL       the national service's base URL
  --data-dir DIR       where the outbox lives (default ./uplink-data)
  --username NAME      broker username   --password-file FILE   broker password
  --token-file FILE    bearer token for the national service (until mutual TLS is provisioned)
  --tls-ca FILE --tls-cert FILE --tls-key FILE   mutual TLS, to the broker and the national service
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace, silent
`;

export async function run(argv: string[]): Promise<number> {
  const args = commandLine(
    'uplink',
    argv,
    {
      site: { type: 'string' },
      broker: { type: 'string' },
      national: { type: 'string' },
      'data-dir': { type: 'string', default: './uplink-data' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      'token-file': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
    HELP,
  );
  if ('exit' in args) return args.exit;
  const { values } = args;
  const missing = (['site', 'broker', 'national'] as const).filter((k) => !values[k]);
  if (missing.length) {
    process.stderr.write(`implant-scan uplink: ${missing.map((m) => `--${m}`).join(', ')} required\n${HELP}`);
    return 2;
  }
  if (!isValidId(values.site)) {
    process.stderr.write('implant-scan uplink: --site must be 1–64 letters, digits, - or _\n');
    return 2;
  }
  const read = async (f: string | undefined) => (f ? await readFile(f) : undefined);
  const tls = { ca: await read(values['tls-ca']), cert: await read(values['tls-cert']), key: await read(values['tls-key']) };
  const logger = pino({ level: values['log-level'] }, pino.destination(2));
  const outbox = await Outbox.open({ dir: join(values['data-dir'], 'outbox') });
  const token = (await read(values['token-file']))?.toString('utf8').trim();
  const uplink = await Uplink.start({
    brokerUrl: values.broker!,
    site: values.site,
    outbox,
    logger,
    national: httpNationalClient({ url: values.national!, ...(token ? { token } : {}), ...(tls.cert ? { tls } : {}) }),
    ...(values.username ? { username: values.username } : {}),
    ...(values['password-file'] ? { password: (await readFile(values['password-file'], 'utf8')).trim() } : {}),
    ...(tls.cert ? { tls } : {}),
  });
  process.stdout.write(`ready ${JSON.stringify({ site: values.site, pending: outbox.depth })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await uplink.close();
  await outbox.close();
  return 0;
}
