// The gateway's configuration: one JSON file, validated by zod, every default written here.
//   loadConfig('/etc/implant-scan/gateway.json') → { site: 'sahlgrenska', theatre: 'or-7', … }
//   a bad file → ConfigError: "scanner.baudRate: must be one of 9600, 19200, … (got 9601)"
//
// The schema is shared with provisioning (provisioning/fleet.ts), which writes one file per gateway.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ID_PATTERN } from '../protocol/topics.ts';

const id = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1–64 letters, digits, '-' or '_' (it becomes an MQTT topic level)`);

const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200] as const;

export const TERMINATORS = ['CR', 'LF', 'CRLF', 'TAB', 'none'] as const;

const scannerSchema = z
  .object({
    /** A stable path: the udev rule in hw/ makes /dev/implant-scanner survive re-enumeration. */
    path: z.string().min(1).default('/dev/implant-scanner'),
    baudRate: z
      .number()
      .refine((b) => (BAUD_RATES as readonly number[]).includes(b), `must be one of ${BAUD_RATES.join(', ')}`)
      .default(9600),
    /** What ends a scan; USB-CDC scanners send CR by default. */
    terminators: z.array(z.enum(TERMINATORS)).min(1).default(['CR', 'LF', 'CRLF']),
    /** A scan with no terminator ends after this much silence. */
    interCharTimeoutMs: z.number().int().min(5).max(2000).default(80),
    /** Longer lines are discarded up to the next terminator (bounded memory). */
    maxLineBytes: z.number().int().min(64).max(65536).default(4096),
    /** Characters the scanner sends instead of FNC1/GS, e.g. ["^"]. */
    gsSubstitutes: z.array(z.string().length(1)).default([]),
    /** The same code again within this window is the scanner reading twice, not a second package. */
    doubleReadWindowMs: z.number().int().min(0).max(5000).default(400),
  })
  .strict();

const tlsSchema = z
  .object({
    ca: z.string().min(1).describe('path to the CA certificate (PEM)'),
    cert: z.string().min(1).describe('path to this gateway certificate (PEM)'),
    key: z.string().min(1).describe('path to this gateway private key (PEM)'),
  })
  .strict();

const brokerSchema = z
  .object({
    url: z
      .string()
      .regex(/^(mqtts?|wss?|tcp|tls):\/\/[^\s]+$/, 'must be an MQTT URL such as mqtts://broker.hospital.local:8883')
      .default('mqtt://127.0.0.1:1883'),
    username: z.string().min(1).optional(),
    /** A file holding the password, so that the config file itself holds no secret. */
    passwordFile: z.string().min(1).optional(),
    tls: tlsSchema.optional(),
    keepaliveSeconds: z.number().int().min(5).max(600).default(30),
    /** Scans published and not yet acknowledged by the broker (PUBACK) at once; more wait their turn. */
    maxInFlight: z.number().int().min(1).max(1024).default(64),
  })
  .strict();

const outboxSchema = z
  .object({
    /** When full, new scans are refused loudly; accepted ones are never dropped. */
    capacityBytes: z
      .number()
      .int()
      .min(1 << 20)
      .default(256 << 20),
  })
  .strict();

const stationSchema = z
  .object({
    /** Loopback by default: the station page shows today's scans of this theatre. */
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict();

const indicatorSchema = z
  .discriminatedUnion('driver', [
    z.object({ driver: z.literal('none') }).strict(),
    z.object({ driver: z.literal('simulated') }).strict(),
    z
      .object({
        driver: z.literal('sysfs'),
        /** e.g. /sys/class/leds — holds the LED directories named below. */
        ledBase: z.string().min(1).default('/sys/class/leds'),
        greenLed: z.string().min(1),
        redLed: z.string().min(1),
        /** A GPIO value file driving the buzzer, e.g. /sys/class/gpio/gpio17/value. */
        buzzer: z.string().min(1).optional(),
      })
      .strict(),
  ])
  .default({ driver: 'none' });

export const gatewayConfigSchema = z
  .object({
    site: id('site'),
    theatre: id('theatre'),
    gateway: id('gateway'),
    /** The only directory the daemon writes: outbox/, sequence, birth sequence (systemd ReadWritePaths=). */
    dataDir: z.string().min(1).default('/var/lib/implant-scan'),
    scanner: scannerSchema.default(scannerSchema.parse({})),
    broker: brokerSchema.default(brokerSchema.parse({})),
    outbox: outboxSchema.default(outboxSchema.parse({})),
    station: stationSchema.default(stationSchema.parse({})),
    indicator: indicatorSchema,
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the gateway configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** One line per problem: the field's dotted path, what is wrong, and what was found. */
function describe(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove it or check its spelling`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required (${issue.expected})`;
    return `${path}: ${issue.message}`;
  });
}

export function parseConfig(value: unknown, source = 'config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(source, describe(result.error.issues));
  return result.data;
}

export async function loadConfig(path: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, [`not valid JSON: ${(e as Error).message}`]);
  }
  return parseConfig(json, path);
}

/** Published in the birth message, so fleet monitoring sees which configuration a gateway runs. */
export function configHash(config: GatewayConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16);
}
