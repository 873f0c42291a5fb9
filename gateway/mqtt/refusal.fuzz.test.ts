// refusalOf at the network boundary: whatever mqtt.js or the socket throws (any value, any code,
// any message), it never throws, names a refusal only for the TLS alerts and CONNACK codes it
// knows, and its detail is the code, never the message text.
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { REFUSAL_MESSAGES, refusalOf } from './refusal.ts';

const KNOWN_ALERTS = ['ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED'];
const code = fc.oneof(fc.constantFrom(...KNOWN_ALERTS, 'ECONNREFUSED', 'ECONNRESET', '__proto__', 'toString'), fc.string(), fc.integer({ min: -1, max: 256 }), fc.anything());
const message = fc.oneof(fc.constant('Connection refused: Not authorized'), fc.string().map((s) => `Connection refused: ${s}`), fc.string(), fc.anything());

test('any error value: no throw; a refusal only for a known alert or CONNACK 4/5; detail never echoes the message', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.record({ code, message }, { requiredKeys: [] })), (err) => {
      const r = refusalOf(err);
      if (r === null) return;
      expect(Object.keys(REFUSAL_MESSAGES)).toContain(r.reason);
      const c = (err as { code: unknown }).code;
      if (typeof c === 'string') expect(KNOWN_ALERTS.includes(c) || c.startsWith('ERR_SSL_')).toBe(true);
      else expect([4, 5]).toContain(c);
      expect(r.detail).toBe(typeof c === 'string' ? c : `CONNACK ${String(c)}`);
    }),
    { numRuns: 2000 },
  );
});

test('the codes mqtt.js and OpenSSL give, mapped', () => {
  expect(refusalOf(Object.assign(new Error('sslv3 alert certificate revoked'), { code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED' }))?.reason).toBe('certificate-revoked');
  // OpenSSL 3.5 (Node 24) names every alert "ssl/tls alert …".
  expect(refusalOf(Object.assign(new Error('ssl/tls alert certificate revoked'), { code: 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_REVOKED' }))).toEqual({ reason: 'certificate-revoked', detail: 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_REVOKED' });
  expect(refusalOf(Object.assign(new Error('ssl/tls alert certificate expired'), { code: 'ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_EXPIRED' }))?.reason).toBe('certificate-expired');
  expect(refusalOf(Object.assign(new Error('ssl/tls alert unknown ca'), { code: 'ERR_SSL_SSL/TLS_ALERT_UNKNOWN_CA' }))?.reason).toBe('unknown-ca');
  expect(refusalOf(Object.assign(new Error('Connection refused: Bad username or password'), { code: 4 }))?.reason).toBe('bad-credentials');
  expect(refusalOf(Object.assign(new Error('Connection refused: Not authorized'), { code: 5 }))?.reason).toBe('not-authorized');
  expect(refusalOf(Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 }))).toBeNull();
  expect(refusalOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBeNull();
});
