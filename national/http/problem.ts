// RFC 9457 problem details: every error the national service answers is one of these types, sent
// as application/problem+json. The type URIs name the problem; clients match on them, not on text.
// Details never echo what the client sent (it may be a mistyped personal number).

export const PROBLEM_BASE = 'https://implant-scan.example/problems/';

export const PROBLEMS = {
  unauthorized: { status: 401, title: 'Authentication required' },
  'credential-revoked': { status: 403, title: 'This credential has been revoked' },
  'unknown-code': { status: 404, title: 'No implant has this order code' },
  'mistyped-code': { status: 400, title: 'The order code is mistyped: its check character does not match' },
  'malformed-code': { status: 400, title: 'This is not an order code: 8 characters of 0-9 and A-Z without I, L, O and U' },
  voided: { status: 410, title: 'Voided: the implant was opened but not implanted' },
  'not-yet-resolved': { status: 409, title: 'The product data is still being looked up; try again shortly' },
  'unknown-scan': { status: 404, title: 'No scan of your site has this id' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'batch-too-large': { status: 413, title: 'The batch holds too many scans' },
  'malformed-body': { status: 400, title: 'The request body cannot be read' },
  'bad-query': { status: 400, title: 'Invalid query parameters' },
  unavailable: { status: 503, title: 'Temporarily unavailable; try again later' },
  internal: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof PROBLEMS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export function problem(type: ProblemType, detail?: string): Problem {
  const p = PROBLEMS[type];
  return detail === undefined ? { type: PROBLEM_BASE + type, title: p.title, status: p.status } : { type: PROBLEM_BASE + type, title: p.title, status: p.status, detail };
}
