// The one TLS policy of every listener and client the project runs (Node's and Mosquitto's).
//   createTlsServer({ key, cert, ...TLS_SERVER_POLICY }, …)      the broker, the national service
//   httpsRequest({ …, ...TLS_CLIENT_POLICY })                     the uplink's national client
//   `ciphers ${TLS_1_2_CIPHERS}` in mosquitto.conf                provisioning/mosquitto.ts
//
// TLS 1.2 at least; in TLS 1.2 only ECDHE key exchange with an AEAD cipher (no CBC, no SHA-1 MAC,
// no static RSA); TLS 1.3's suites are all AEAD. Node's default list would also offer
// ECDHE-*-AES*-SHA (CBC, SHA-1) in TLS 1.2; hence an explicit list.

/** ECDHE key exchange, AEAD only; ECDSA first: every key provisioning issues is P-256. */
export const TLS_1_2_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** OpenSSL's TLS 1.3 suites (all AEAD), named so that Node's `ciphers` keeps them. */
export const TLS_1_3_CIPHERSUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'].join(':');

export const TLS_MIN_VERSION = 'TLSv1.2' as const;

/** Key-exchange groups, strongest-supported first (X25519, then the NIST curves). */
export const TLS_GROUPS = 'X25519:P-256:P-384';

/** For tls.createServer / https.createServer / setSecureContext. */
export const TLS_SERVER_POLICY = Object.freeze({
  minVersion: TLS_MIN_VERSION,
  ciphers: `${TLS_1_3_CIPHERSUITES}:${TLS_1_2_CIPHERS}`,
  // The server's order decides (AEAD with ECDSA first), not a client that prefers something weaker.
  honorCipherOrder: true,
  ecdhCurve: TLS_GROUPS,
});

/** For tls.connect / https.request (the uplink's client side). */
export const TLS_CLIENT_POLICY = Object.freeze({
  minVersion: TLS_MIN_VERSION,
  ciphers: `${TLS_1_3_CIPHERSUITES}:${TLS_1_2_CIPHERS}`,
  ecdhCurve: TLS_GROUPS,
});
