// A focused JSON Schema (2020-12, as OpenAPI 3.1 uses it) checker for the contract test: the
// keywords protocol/national-api.yaml uses, checked strictly. A keyword it does not know makes it
// throw, so the contract can never hold a rule that is silently not checked.
//   const errors = validate(value, schema, { root: openApiDocument });  → [] when valid
//   errors: ['$.implants[0].udi.lotNumber: expected string or null, got number', …]

type Schema = Record<string, unknown> | boolean;

const ANNOTATIONS = new Set(['description', 'title', 'summary', 'default', 'examples', 'example', 'contentEncoding', 'contentMediaType', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
const KEYWORDS = new Set([
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems',
  'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'format', 'oneOf', 'anyOf', 'allOf',
]);

export interface ValidateOptions {
  /** The document "#/…" references point into. */
  root: unknown;
}

export function validate(value: unknown, schema: unknown, options: ValidateOptions): string[] {
  const errors: string[] = [];
  check(value, schema as Schema, '$', options.root, errors, 0);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) throw new Error(`unresolvable reference ${ref}`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

function check(v: unknown, schema: Schema, path: string, root: unknown, errors: string[], depth: number): void {
  if (depth > 64) throw new Error(`schema nesting over 64 at ${path}`);
  if (schema === true) return;
  if (schema === false) {
    errors.push(`${path}: not allowed`);
    return;
  }
  for (const k of Object.keys(schema)) {
    if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`schema keyword "${k}" (at ${path}) is not supported by this checker`);
  }
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') check(v, resolveRef(root, s.$ref) as Schema, path, root, errors, depth + 1);
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(v, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => e === v)) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  if (s.const !== undefined && s.const !== v) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);

  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) errors.push(`${path}: does not match ${s.pattern}`);
    const length = [...v].length;
    if (typeof s.minLength === 'number' && length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
    if (s.format === 'date-time' && (!DATE_TIME.test(v) || Number.isNaN(Date.parse(v)))) errors.push(`${path}: not an RFC 3339 date-time`);
    else if (s.format !== undefined && s.format !== 'date-time') throw new Error(`format "${String(s.format)}" is not supported by this checker`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items !== undefined) v.forEach((item, i) => check(item, s.items as Schema, `${path}[${i}]`, root, errors, depth + 1));
  }
  if (typeOf(v) === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!Object.hasOwn(o, r)) errors.push(`${path}: missing required "${r}"`);
    for (const [k, val] of Object.entries(o)) {
      if (Object.hasOwn(props, k)) check(val, props[k]!, `${path}.${k}`, root, errors, depth + 1);
      else if (s.additionalProperties !== undefined) check(val, s.additionalProperties as Schema, `${path}.${k}`, root, errors, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) check(v, sub, path, root, errors, depth + 1);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const subs = s[key];
    if (!Array.isArray(subs)) continue;
    const passing = (subs as Schema[]).filter((sub) => {
      const e: string[] = [];
      check(v, sub, path, root, e, depth + 1);
      return e.length === 0;
    }).length;
    if (key === 'oneOf' ? passing !== 1 : passing === 0) errors.push(`${path}: matches ${passing} of the ${key} schemas`);
  }
}
