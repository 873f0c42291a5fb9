// What arrives on the gateway's own subscriptions, decoded: receipts and commands, or why not.
//   decodeIncoming(address, 'implant/v1/sahlgrenska/or-3/gw-or3/receipt', bytes)
//     → { kind: 'receipt', receipt } | { kind: 'malformed', topicKind: 'receipt', error } | …
//
// Payloads come from the network: protocol/wire.ts decoders never throw, and nothing here keeps or
// returns the bytes of a payload that did not decode (it may be hostile, or personal data sent by
// mistake): only the error code and the decoder's message, which names fields, never values.

import { parseTopic, type GatewayAddress } from '../../protocol/topics.ts';
import { decodeCommand, decodeScanReceipt, type Command, type ScanReceipt, type WireError } from '../../protocol/wire.ts';

export type Incoming =
  | { kind: 'receipt'; receipt: ScanReceipt }
  | { kind: 'command'; command: Command }
  | { kind: 'malformed'; topicKind: 'receipt' | 'cmd'; error: WireError }
  /** Not this gateway's receipt or cmd topic (a misconfigured broker or ACL). */
  | { kind: 'unexpected-topic' };

export function decodeIncoming(address: GatewayAddress, topic: string, payload: Uint8Array): Incoming {
  const t = parseTopic(topic);
  if (t === null || t.site !== address.site || t.theatre !== address.theatre || t.gateway !== address.gateway) return { kind: 'unexpected-topic' };
  if (t.kind === 'receipt') {
    const r = decodeScanReceipt(payload);
    return r.ok ? { kind: 'receipt', receipt: r.value } : { kind: 'malformed', topicKind: 'receipt', error: r.error };
  }
  if (t.kind === 'cmd') {
    const c = decodeCommand(payload);
    return c.ok ? { kind: 'command', command: c.value } : { kind: 'malformed', topicKind: 'cmd', error: c.error };
  }
  return { kind: 'unexpected-topic' };
}
