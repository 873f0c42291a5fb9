// @peculiar/x509, ready to use: its reflect polyfill loaded first (tsyringe inside it throws
// without one) and Node's webcrypto as its crypto provider. Import it from here, never directly.
//   import { x509 } from '../protocol/x509.ts';   new x509.X509Certificate(pem).subject
// Here, below both, because the broker (reading CRLs) and provisioning (issuing) both need it.

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
