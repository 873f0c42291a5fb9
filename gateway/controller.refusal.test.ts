// The controller when the broker refuses this gateway (the link's 'refused' event, from a TLS
// alert or a CONNACK refusal: gateway/mqtt/link.refusal.test.ts): the status says 'refused', the
// station page's alert says why and what to do, the indicator shows offline (not attention).
import { describe, expect, it } from 'vitest';
import { ManualLink, testController } from './fakes.test-support.ts';

function setup() {
  const link = new ManualLink();
  return { link, ...testController(link) };
}

describe('gateway controller, broker refusal', () => {
  it("shows a revoked certificate as broker 'refused' with its reason and a call-IT alert, the indicator offline; online clears it", () => {
    const { link, indicator, controller } = setup();
    const statuses: string[] = [];
    controller.on('status', (s) => statuses.push(s.broker));
    link.emit('refused', { reason: 'certificate-revoked', detail: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED' });
    const s = controller.currentStatus();
    expect(s.broker).toBe('refused');
    expect(s.attention).toEqual([{ code: 'broker-refused', reason: 'certificate-revoked', message: expect.stringMatching(/certificate was revoked.*call hospital IT/) }]);
    expect(indicator.signals).toEqual(['offline']);
    expect(statuses).toEqual(['refused']);

    // Another cause replaces the alert; it does not add a second one.
    link.emit('refused', { reason: 'unknown-ca', detail: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(controller.currentStatus().attention.map((a) => a.reason)).toEqual(['unknown-ca']);

    link.setOnline(true);
    expect(controller.currentStatus()).toMatchObject({ broker: 'online', attention: [] });
    expect(indicator.signals.at(-1)).toBe('online');
    expect(indicator.signals).not.toContain('attention');
    controller.close();
  });

  it('a disk-full alert during a refusal still lights the attention pattern, and clearing it clears that pattern', () => {
    const { link, indicator, controller } = setup();
    link.emit('refused', { reason: 'not-authorized', detail: 'CONNACK 5' });
    controller.setAttention('disk-full', 'full');
    expect(indicator.signals).toEqual(['offline', 'attention']);
    controller.clearAttention('disk-full');
    expect(indicator.signals.at(-1)).toBe('attention-cleared');
    expect(controller.currentStatus().attention.map((a) => a.code)).toEqual(['broker-refused']);
  });
});
