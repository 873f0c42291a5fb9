// One parse result as one line of JSON, written by hand for its fixed shape: exactly the text
// JSON.stringify gives (parse-json.test.ts holds the two together on fuzzed results), at a
// fraction of its cost, since `implant-scan parse` spends as long serialising as parsing.
//   resultJson(parse(']d2010950600013435217290131'), verbose)
//   → '{"ok":true,"scheme":"gs1","symbology":"]d2","elements":[{"ai":"01","value":"09506000134352"},…],"udi":{…},"errors":[]}'

import { plainReason, type ParseError, type ParseResult } from '../protocol/udi/index.ts';

/** JSON.stringify(s) for a string: quoted as is when nothing in it needs an escape (the rule case). */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Control characters, quote, backslash, and surrogates (a lone one is escaped as \udXXX).
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

function jsonNullable(s: string | null): string {
  return s === null ? 'null' : jsonString(s);
}

/** `verbose`: each error's precise message (for developers); otherwise its plain reason. */
export function resultJson(r: ParseResult, verbose: boolean): string {
  let out = `{"ok":${r.ok},"scheme":${jsonString(r.scheme)},"symbology":${jsonNullable(r.symbology)},"elements":[`;
  const { elements, udi, errors } = r;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    out += `${i === 0 ? '' : ','}{"ai":${jsonString(e.ai)},"value":${jsonString(e.value)}}`;
  }
  out += `],"udi":{"di":${jsonNullable(udi.di)},"lot":${jsonNullable(udi.lot)},"serial":${jsonNullable(udi.serial)},"expiry":${jsonNullable(udi.expiry)},"manufactured":${jsonNullable(udi.manufactured)}},"errors":[`;
  for (let i = 0; i < errors.length; i++) {
    const e: ParseError = errors[i]!;
    out += `${i === 0 ? '' : ','}{"code":${jsonString(e.code)},"message":${jsonString(verbose ? e.message : plainReason(e.code))}}`;
  }
  return `${out}]}`;
}
