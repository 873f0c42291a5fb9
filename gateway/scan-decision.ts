// Whether a parsed scan is accepted as an implant product code, or refused and why:
//   decide(parse('19121212-1212')) → { accept: false, reason: 'personal-id', message: '…' }
//   decide(parse(']d2010950600013435217290131')) → { accept: true }
// Only positively identified product codes are accepted (docs/architecture.md); everything else is refused
// with a reason that the metric, the log and the station page share. The message is the plain
// reason a nurse reads (protocol/udi/plain-reason.ts); `detail` is the parser's precise message,
// for the log. Neither echoes what was scanned.

import { plainReason, type ParseResult } from '../protocol/udi/index.ts';
import type { RefusalReason } from './metrics.ts';

export type Decision = { accept: true } | { accept: false; reason: RefusalReason; code: string; message: string; detail: string };

export function decide(result: ParseResult): Decision {
  if (result.ok && (result.scheme === 'gs1' || result.scheme === 'hibc' || result.scheme === 'isbt128') && result.udi.di !== null) return { accept: true };
  const first = result.errors[0] ?? { code: 'unrecognised', message: 'This is not an implant product code.' };
  const reason: RefusalReason = result.scheme === 'personal-id' ? 'personal-id' : result.scheme === 'unknown' ? 'unknown' : 'invalid';
  return { accept: false, reason, code: first.code, message: plainReason(first.code), detail: first.message };
}
