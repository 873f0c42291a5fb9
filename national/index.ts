// The reference national service: what other parts (the demo, the end-to-end tests, the CLI) use.
export { createNationalService, DEFAULT_LIMITS, type NationalLimits, type NationalService, type NationalServiceOptions } from './service.ts';
export { bearerUplinkAuthenticator, type AuthenticateUplink, type UplinkCredential, type UplinkIdentity } from './auth/uplink-auth.ts';
export { registryAuthenticator, type RegistryCredential } from './auth/registry-auth.ts';
export { newCredential, sha256Hex } from './auth/credentials.ts';
export { formatOrderCode, isCanonicalOrderCode, newOrderCode, parseOrderCode } from './order-code.ts';
export { catalogueSource, loadCatalogueFile, parseCatalogue, sampleCatalogue, type Catalogue } from './sources/catalogue.ts';
export { httpJsonSource, type HttpSource, type HttpSourceOptions } from './sources/http-source.ts';
export { SourceError, type DiScheme, type MetadataSource, type ProductInfo } from './sources/types.ts';
export { openSqliteStore } from './store/sqlite.ts';
export type { NationalStore } from './store/store.ts';
export { decodeReceiptsDelimited, encodeDelimited } from './http/batch-codec.ts';
export { PROBLEM_BASE, type ProblemType } from './http/problem.ts';
