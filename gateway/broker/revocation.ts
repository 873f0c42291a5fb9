// Which connected clients a new CRL revokes. TLS checks a CRL once, at the handshake; after a
// reload the broker asks this of every client already connected:
//   const revoked = revocationCheck(crlPem);       // one or more PEM CRLs, as for the listener
//   revoked(tlsSocket.getPeerCertificate().raw)    → true when the certificate's issuer and serial are listed
//
// Only issuer and serial are compared: the CRL is the operator's file, the same bytes the TLS
// listener trusts, so its signature is not checked again here.

import { x509 } from '../../protocol/x509.ts'; // @peculiar/x509 with its polyfill loaded

type Pem = string | Buffer | Array<string | Buffer>;

const CRL_BLOCK = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

/** Every CRL in `pem` (one string or buffer may hold several). Throws on a block that is not a CRL. */
function crlsOf(pem: Pem): x509.X509Crl[] {
  const texts = (Array.isArray(pem) ? pem : [pem]).map((p) => p.toString());
  return texts.flatMap((t) => t.match(CRL_BLOCK) ?? []).map((block) => new x509.X509Crl(block));
}

/** A predicate over peer certificates (DER, as `tlsSocket.getPeerCertificate().raw`): listed in one of the CRLs of its issuer? */
export function revocationCheck(crlPem: Pem | undefined): (certificateDer: Buffer | undefined) => boolean {
  const crls = crlPem === undefined ? [] : crlsOf(crlPem);
  return (der) => {
    if (der === undefined || der.length === 0 || crls.length === 0) return false;
    const certificate = new x509.X509Certificate(new Uint8Array(der));
    return crls.some((crl) => crl.issuer === certificate.issuer && crl.findRevoked(certificate) !== null);
  };
}
