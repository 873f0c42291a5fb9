// Why the hospital broker refuses this gateway, from the error mqtt.js reports for one connect
// attempt: a TLS alert the broker sent about our certificate, or a CONNACK refusal. Anything
// else (no route, connection reset, timeout) is not a refusal: the broker may simply be away.
//   refusalOf(err)  → { reason: 'certificate-revoked', detail: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED' } | null
//   REFUSAL_MESSAGES['certificate-revoked']   → the sentence the station page shows staff
// These do not heal by retrying: hospital IT must act (a new certificate, a fixed ACL or password).

export type RefusalReason = 'certificate-revoked' | 'certificate-expired' | 'unknown-ca' | 'certificate-refused' | 'not-authorized' | 'bad-credentials';

export interface BrokerRefusal {
  reason: RefusalReason;
  /** The OpenSSL error code or the CONNACK return code: what hospital IT searches for. */
  detail: string;
}

// OpenSSL names the alert the peer sent (Node's err.code); "SSLV3"/"TLSV1" only say where the
// alert was first defined, and OpenSSL 3.5 (Node 24) says "SSL/TLS" for all of them
// (ERR_SSL_SSL/TLS_ALERT_CERTIFICATE_REVOKED): the alert's own name decides. An expired CRL on the
// broker also arrives as "certificate expired".
const TLS_ALERT_CODE = /^ERR_SSL_(?:SSLV3|TLSV1|TLSV13|SSL\/TLS)_ALERT_([A-Z_]+)$/;
const TLS_ALERTS: Readonly<Record<string, RefusalReason>> = {
  CERTIFICATE_REVOKED: 'certificate-revoked',
  CERTIFICATE_EXPIRED: 'certificate-expired',
  UNKNOWN_CA: 'unknown-ca',
  BAD_CERTIFICATE: 'certificate-refused',
  UNSUPPORTED_CERTIFICATE: 'certificate-refused',
  CERTIFICATE_UNKNOWN: 'certificate-refused',
  ACCESS_DENIED: 'certificate-refused',
  CERTIFICATE_REQUIRED: 'certificate-refused',
};

// MQTT 3.1.1 CONNACK return codes (mqtt.js: ErrorWithReasonCode, code = the return code).
const CONNACK_CODES: Readonly<Record<number, RefusalReason>> = { 4: 'bad-credentials', 5: 'not-authorized' };

export const REFUSAL_MESSAGES: Readonly<Record<RefusalReason, string>> = {
  'certificate-revoked': "This gateway's certificate was revoked: the broker refuses it. Scans are kept here but not sent; call hospital IT.",
  'certificate-expired': "The broker refuses this gateway's certificate as expired (or the broker's revocation list has expired). Scans are kept here but not sent; call hospital IT.",
  'unknown-ca': "The broker does not know the authority that issued this gateway's certificate. Scans are kept here but not sent; call hospital IT.",
  'certificate-refused': "The broker refuses this gateway's certificate. Scans are kept here but not sent; call hospital IT.",
  'not-authorized': 'The broker does not authorise this gateway. Scans are kept here but not sent; call hospital IT.',
  'bad-credentials': "The broker refuses this gateway's user name or password. Scans are kept here but not sent; call hospital IT.",
};

/** The refusal this connect error means, or null for an error that is not the broker saying no. */
export function refusalOf(err: unknown): BrokerRefusal | null {
  if (typeof err !== 'object' || err === null) return null;
  const { code, message } = err as { code?: unknown; message?: unknown };
  const alert = typeof code === 'string' ? TLS_ALERT_CODE.exec(code)?.[1] : undefined;
  if (alert !== undefined && Object.hasOwn(TLS_ALERTS, alert)) return { reason: TLS_ALERTS[alert]!, detail: code as string };
  if (typeof code === 'number' && Object.hasOwn(CONNACK_CODES, code) && typeof message === 'string' && message.startsWith('Connection refused')) {
    return { reason: CONNACK_CODES[code]!, detail: `CONNACK ${code}` };
  }
  return null;
}
