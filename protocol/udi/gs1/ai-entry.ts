// The shape of one Application Identifier in the generated table (ai-table.generated.ts),
// one entry per AI (ranges such as 3100-3105 are expanded). Mirrors a line of the GS1 Barcode
// Syntax Dictionary:
//   17  *?  N6,yymmd0   req=01,02,03,255,8006,8026   # USE BY or EXPIRY
// becomes
//   { ai: '17', predefinedLength: true, dlDataAttribute: true, title: 'USE BY or EXPIRY',
//     components: [{ type: 'N', min: 6, max: 6, optional: false, linters: ['yymmd0'] }],
//     req: [[['01'], ['02'], ['03'], ['255'], ['8006'], ['8026']]], ex: [], dlpkey: null }

/** N: digits; X: GS1 CSET 82; Y: CSET 39; Z: base64url (CSET 64). */
export type ComponentType = 'N' | 'X' | 'Y' | 'Z';

export interface AiComponent {
  readonly type: ComponentType;
  readonly min: number;
  readonly max: number;
  /** Written as "[N3]" in the dictionary: may be absent once the data is exhausted. */
  readonly optional: boolean;
  /** Names of GS1 Syntax Test procedures, e.g. 'csum', 'yymmd0', 'iso3166'. */
  readonly linters: readonly string[];
}

export interface AiEntry {
  readonly ai: string;
  /** Flag "*": a pre-defined length AI that needs no FNC1 separator after it. */
  readonly predefinedLength: boolean;
  /** Flag "?": allowed as a GS1 Digital Link query data attribute. */
  readonly dlDataAttribute: boolean;
  readonly title: string;
  readonly components: readonly AiComponent[];
  /**
   * Each `req=` attribute is one rule that must hold; a rule is a list of alternatives, an
   * alternative a list of AIs or patterns ("31nn", "394n") that must all be present.
   * req=01+21,02 → [[['01','21'],['02']]]
   */
  readonly req: readonly (readonly (readonly string[])[])[];
  /** AIs or patterns that must not appear together with this AI (all `ex=` merged). */
  readonly ex: readonly string[];
  /**
   * null: not a Digital Link primary key. Otherwise the allowed qualifier sequences:
   * "dlpkey" → [[]], "dlpkey=22,10,21|235" → [['22','10','21'],['235']].
   */
  readonly dlpkey: readonly (readonly string[])[] | null;
}
