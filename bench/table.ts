// Plain-text tables for the console: columns padded to their widest cell, numbers right-aligned.

export type Cell = string | number | null;

export function formatNumber(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(digits);
}

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

function text(c: Cell): string {
  if (c === null) return '–';
  if (typeof c === 'string') return c;
  return Number.isInteger(c) ? c.toLocaleString('en-US') : formatNumber(c);
}

export function renderTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header.map((h) => h), ...rows.map((r) => r.map(text))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
