// The payload of the site's uplink state topic (protocol/topics.ts uplinkStateTopic), retained:
//   encodeUplinkState({ status: 'online', epoch: 'k3J9…' })  → 'online k3J9…'  (its birth)
//   encodeUplinkState({ status: 'offline' })                 → 'offline'       (its will)
//   decodeUplinkState(payload) → the state, or null for anything else (untrusted bytes; never throws)
// The epoch changes whenever the uplink subscribed on a session the broker did not keep: scans a
// gateway published before it may have been dropped, so a gateway that sees a new epoch publishes
// again every scan still waiting for its receipt.

import { ID_PATTERN } from './topics.ts';

export type UplinkState = { status: 'online'; epoch: string } | { status: 'offline' };

export function encodeUplinkState(state: UplinkState): Buffer {
  if (state.status === 'offline') return Buffer.from('offline');
  if (!ID_PATTERN.test(state.epoch)) throw new TypeError(`epoch must match ${ID_PATTERN.source}`);
  return Buffer.from(`online ${state.epoch}`);
}

export function decodeUplinkState(payload: unknown): UplinkState | null {
  if (!(payload instanceof Uint8Array) || payload.length > 80) return null;
  const text = Buffer.from(payload).toString('latin1');
  if (text === 'offline') return { status: 'offline' };
  const epoch = /^online ([A-Za-z0-9_-]{1,64})$/.exec(text)?.[1];
  return epoch === undefined ? null : { status: 'online', epoch };
}
