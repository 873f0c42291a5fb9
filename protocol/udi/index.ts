// The UDI parser: GS1 element strings, bracketed form, Digital Link URIs, HIBC and ISBT 128, with the
// personal-identity-number guard. No I/O: the gateway, the national service and the CLI share it.
export { parse, tooLongResult, valuesHoldPersonalId, MAX_SCAN_LENGTH, type ParseOptions } from './parse.ts';
export type { Element, ErrorCode, ParseError, ParseResult, Scheme, Udi } from './result.ts';
export { toBracketed } from './gs1/bracketed.ts';
export { toElementString } from './gs1/element-string.ts';
export { containsPersonalId } from './personal-id.ts';
export { plainReason, plainReasonFor, plainReasonOf, PLAIN_REASONS } from './plain-reason.ts';
