// Which of the site uplink's births (protocol/uplink-state.ts) mean "publish again every scan
// still waiting for its receipt": a new epoch, but not the first one a gateway sees retained (that
// uplink was subscribed before we were, so what we publish on connecting reaches it).
//   const births = new UplinkBirths();
//   if (births.isNews(payload, packet.retain)) publisher.republishUnreceipted();

import { decodeUplinkState } from '../../protocol/uplink-state.ts';

export class UplinkBirths {
  private lastEpoch: string | null = null;

  isNews(payload: Uint8Array, retained: boolean): boolean {
    const state = decodeUplinkState(payload);
    if (state?.status !== 'online' || state.epoch === this.lastEpoch) return false;
    const first = this.lastEpoch === null;
    this.lastEpoch = state.epoch;
    return !(first && retained);
  }
}
