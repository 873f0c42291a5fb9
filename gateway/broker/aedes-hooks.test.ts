// The hooks alone (aedes-hooks.ts), called as aedes calls them. A publish with no client is what
// aedes does for a will restored from a durable persistence after a restart (aedes.js
// _clearWills, every 4 heartbeats): only that, on the will owner's own state topic, may pass.

import type { Client, PublishPacket } from 'aedes';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { receiptTopic, scanTopic, stateTopic } from '../../protocol/topics.ts';
import { allowAllForLocalDemoAcl, gatewayAcl } from './acl.ts';
import { aedesHooks } from './aedes-hooks.ts';
import { GW_A, GW_B } from './test-support.ts';

const logger = pino({ level: 'silent' });
const authenticateNobody = async () => null;

function publish(hooks: ReturnType<typeof aedesHooks>, client: Client | null, packet: Partial<PublishPacket> & Record<string, unknown>): Promise<Error | null> {
  const p = { cmd: 'publish', qos: 1, dup: false, retain: false, payload: Buffer.from([1]), ...packet } as PublishPacket;
  return new Promise((resolve) => hooks.options.authorizePublish(client, p, (err) => resolve(err ?? null)));
}

const restoredWill = (clientId: string, topic: string) => ({ topic, clientId, brokerId: 'a-broker-that-stopped', retain: true });

describe('a publish with no client (gatewayAcl)', () => {
  test('a restored will on its own gateway’s state topic passes', async () => {
    const hooks = aedesHooks({ authenticate: authenticateNobody, acl: gatewayAcl, logger });
    expect(await publish(hooks, null, restoredWill(GW_A.gateway, stateTopic(GW_A)))).toBeNull();
    expect(hooks.stats.publishDenied).toBe(0);
  });

  test('anything else is refused: another gateway’s state, a scan or receipt, a packet that is not a stored will', async () => {
    const hooks = aedesHooks({ authenticate: authenticateNobody, acl: gatewayAcl, logger });
    expect(await publish(hooks, null, restoredWill(GW_A.gateway, stateTopic(GW_B)))).toBeInstanceOf(Error);
    expect(await publish(hooks, null, restoredWill(GW_A.gateway, scanTopic(GW_A)))).toBeInstanceOf(Error);
    expect(await publish(hooks, null, restoredWill(GW_A.gateway, receiptTopic(GW_A)))).toBeInstanceOf(Error);
    expect(await publish(hooks, null, { topic: stateTopic(GW_A) })).toBeInstanceOf(Error); // no clientId/brokerId
    expect(await publish(hooks, null, { topic: stateTopic(GW_A), clientId: GW_A.gateway })).toBeInstanceOf(Error);
    expect(await publish(hooks, null, restoredWill(GW_A.gateway, '$SYS/x'))).toBeInstanceOf(Error);
    expect(hooks.stats.publishDenied).toBe(6);
  });

  test('under the local demo’s allow-all Acl a restored will on any topic passes, with retain kept only on state', async () => {
    const hooks = aedesHooks({ authenticate: authenticateNobody, acl: allowAllForLocalDemoAcl, logger });
    const will = { cmd: 'publish', qos: 1, dup: false, payload: Buffer.from([1]), ...restoredWill('demo', 'any/topic') } as unknown as PublishPacket;
    expect(await new Promise((resolve) => hooks.options.authorizePublish(null, will, (err) => resolve(err ?? null)))).toBeNull();
    expect(will.retain).toBe(false);
    expect(await publish(hooks, null, { topic: 'any/topic' })).toBeInstanceOf(Error); // still must look like a stored will
  });
});

describe('what a refusal logs', () => {
  test('a topic or client id from the network never carries a personal identity number into the log', async () => {
    const lines: string[] = [];
    const hooks = aedesHooks({ authenticate: authenticateNobody, acl: gatewayAcl, logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }) });
    const client = { id: '19121212-1212', conn: {} } as unknown as Client;
    expect(await publish(hooks, client, { topic: 'sahlgrenska/or-1/19121212_1212/scan' })).toBeInstanceOf(Error);
    expect(await publish(hooks, null, { topic: 'x/121212.1212/state' })).toBeInstanceOf(Error);
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(log).not.toMatch(/1212\D?1212/);
    expect(log).toContain('########_####');
  });
});
