// MQTT topic names: implant/v1/{site}/{theatre}/{gateway}/{scan|state|receipt|cmd}.
//   scanTopic({ site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3' }) → 'implant/v1/sahlgrenska/or-3/gw-or3/scan'
//   parseTopic('implant/v1/sahlgrenska/or-3/gw-or3/receipt') → { site: 'sahlgrenska', theatre: 'or-3', gateway: 'gw-or3', kind: 'receipt' }
//   parseTopic('implant/v1/sahlgrenska/+/gw-or3/scan')       → null (a wildcard is not an id)
//   siteSubscription('sahlgrenska', 'scan')                  → 'implant/v1/sahlgrenska/+/+/scan' (the uplink's)
//   uplinkStateTopic('sahlgrenska')                          → 'implant/v1/sahlgrenska/uplink/state' (site level)
//
// Every id is [A-Za-z0-9_-]{1,64}: never '/', '+', '#', NUL or anything else that would add a
// topic level or a wildcard. Builders throw a TypeError on a bad id (a programming or
// configuration error); parseTopic takes untrusted input and returns null instead.

export const TOPIC_PREFIX = 'implant/v1';
export const TOPIC_KINDS = ['scan', 'state', 'receipt', 'cmd'] as const;
export type TopicKind = (typeof TOPIC_KINDS)[number];

/** One gateway's place in the topic tree. */
export interface GatewayAddress {
  site: string;
  theatre: string;
  gateway: string;
}

export interface ParsedTopic extends GatewayAddress {
  kind: TopicKind;
}

/** The shape of every id in topics and payloads: site, theatre, gateway, case, command, codes. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_ID_LENGTH = 64;
/** No valid topic is longer: prefix, three ids of 64, the longest kind, separators. */
export const MAX_TOPIC_LENGTH = TOPIC_PREFIX.length + 3 * (MAX_ID_LENGTH + 1) + 1 + 'receipt'.length;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH && ID_PATTERN.test(value);
}

const isKind = (s: string): s is TopicKind => (TOPIC_KINDS as readonly string[]).includes(s);

function checkId(what: string, value: unknown): string {
  if (!isValidId(value)) throw new TypeError(`${what} must match ${ID_PATTERN.source}`);
  return value;
}

/** The topic of one gateway's messages of one kind. Throws a TypeError on a bad id or kind. */
export function topicFor(address: GatewayAddress, kind: TopicKind): string {
  if (!isKind(kind as string)) throw new TypeError(`kind must be one of ${TOPIC_KINDS.join(', ')}`);
  const site = checkId('site', address.site);
  const theatre = checkId('theatre', address.theatre);
  const gateway = checkId('gateway', address.gateway);
  return `${TOPIC_PREFIX}/${site}/${theatre}/${gateway}/${kind}`;
}

export const scanTopic = (a: GatewayAddress): string => topicFor(a, 'scan');
export const stateTopic = (a: GatewayAddress): string => topicFor(a, 'state');
export const receiptTopic = (a: GatewayAddress): string => topicFor(a, 'receipt');
export const cmdTopic = (a: GatewayAddress): string => topicFor(a, 'cmd');

/** Every gateway of one site, one kind: implant/v1/{site}/+/+/{kind} (the uplink's subscriptions). */
export function siteSubscription(site: string, kind: TopicKind): string {
  if (!isKind(kind as string)) throw new TypeError(`kind must be one of ${TOPIC_KINDS.join(', ')}`);
  return `${TOPIC_PREFIX}/${checkId('site', site)}/+/+/${kind}`;
}

export const siteScanSubscription = (site: string): string => siteSubscription(site, 'scan');
export const siteStateSubscription = (site: string): string => siteSubscription(site, 'state');

/** Every gateway of every site, one kind: implant/v1/+/+/+/{kind} (a regional uplink or monitor). */
export function fleetSubscription(kind: TopicKind): string {
  if (!isKind(kind as string)) throw new TypeError(`kind must be one of ${TOPIC_KINDS.join(', ')}`);
  return `${TOPIC_PREFIX}/+/+/+/${kind}`;
}

/**
 * The site's uplink state (its retained birth and will; protocol/README.md). Five levels, so no
 * gateway topic or filter (…/{theatre}/{gateway}/…, …/+/+/state) ever names or matches it.
 */
export const uplinkStateTopic = (site: string): string => `${TOPIC_PREFIX}/${checkId('site', site)}/uplink/state`;

/** The site of an uplink state topic; null for anything else (untrusted input, as parseTopic). */
export function parseUplinkStateTopic(topic: unknown): string | null {
  if (typeof topic !== 'string' || topic.length > MAX_TOPIC_LENGTH) return null;
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_PREFIX || parts[3] !== 'uplink' || parts[4] !== 'state') return null;
  return isValidId(parts[2]) ? parts[2]! : null;
}

/** Reads a topic a message arrived on. Untrusted input: anything but an exact, valid topic is null. */
export function parseTopic(topic: unknown): ParsedTopic | null {
  if (typeof topic !== 'string' || topic.length > MAX_TOPIC_LENGTH) return null;
  const parts = topic.split('/');
  if (parts.length !== 6) return null;
  const [root, version, site, theatre, gateway, kind] = parts as [string, string, string, string, string, string];
  if (`${root}/${version}` !== TOPIC_PREFIX) return null;
  if (!isValidId(site) || !isValidId(theatre) || !isValidId(gateway) || !isKind(kind)) return null;
  return { site, theatre, gateway, kind };
}
