// Faults where the outbox does more than append: a refused write must not shrink the capacity
// left, a full disk during compaction keeps the records where they are, any other failure there
// makes the outbox unhealthy (the daemon is restarted and recovery reads what is on disk).
import { describe, expect, it } from 'vitest';
import { nodeFileIo, type FileIo } from '../storage/file-io.ts';
import { failure, FRAME, ids, MAGIC_BYTES, outboxDir, payload } from './outbox-dir.test-support.ts';
import { Outbox, OutboxFullError, OutboxWriteError } from './outbox.ts';

const box = outboxDir('outbox-faults-');
const openOutbox = box.open;
const journals = box.journals;

/** Writes of bytes holding `marker` fail with `code` while armed. */
function failingWrites(marker: string) {
  const state = { armed: false, code: 'ENOSPC' };
  const io: FileIo = {
    ...nodeFileIo,
    write: async (fd, buffer, offset, length, position) =>
      state.armed && Buffer.from(buffer.subarray(offset, offset + length)).includes(marker) ? Promise.reject(failure(state.code)) : nodeFileIo.write(fd, buffer, offset, length, position),
  };
  return { io, state };
}

it('a write refused for a full disk leaves the whole capacity for the scans that follow', async () => {
  const { io, state } = failingWrites('x0');
  const o = await openOutbox({ io, capacityBytes: 3 * FRAME });
  state.armed = true;
  await expect(o.append('x0', payload(0))).rejects.toBeInstanceOf(OutboxWriteError);
  state.armed = false;
  expect(o.healthy).toBe(true);
  for (const [i, id] of ids(3).entries()) await o.append(id, payload(i));
  await expect(o.append('a3', payload(3))).rejects.toBeInstanceOf(OutboxFullError);
});

describe('a fault while compaction copies records forward', () => {
  /** An old segment of four records, two retired: retiring a third makes it sparse, and that
   *  batch's compaction copies a0 forward. */
  async function readyToCopy(io: FileIo): Promise<{ o: Outbox; oldest: string }> {
    const o = await openOutbox({ io, segmentBytes: MAGIC_BYTES + 4 * FRAME });
    for (const [i, id] of ids(4).entries()) await o.append(id, payload(i));
    const [oldest] = await journals();
    for (const id of ids(4).slice(1, 3)) await o.retire(id);
    expect(await journals()).toContain(oldest);
    return { o, oldest: oldest! };
  }

  it('a full disk: the records stay where they are, the outbox stays healthy, the copy is tried again later', async () => {
    const { io, state } = failingWrites('a0');
    const { o, oldest } = await readyToCopy(io);
    state.armed = true;
    await o.retire('a3'); // acknowledged once its record is fsynced; compaction runs after that
    await o.append('b0', payload(9)); // written after that compaction (which failed), and tries again
    expect(o.healthy).toBe(true);
    expect(await journals()).toContain(oldest);
    expect([...o.pending()].map((p) => [p.id, p.payload[0]])).toEqual([
      ['a0', 0],
      ['b0', 9],
    ]);
    state.armed = false;
    await o.append('b1', payload(10)); // room again: this batch's compaction copies a0 and drops the old segment
    await o.close(); // waits for it
    expect(await journals()).not.toContain(oldest);
    expect([...(await openOutbox()).pending()].map((p) => p.id)).toEqual(['a0', 'b0', 'b1']);
  });

  it('any other failure makes the outbox unhealthy, and later scans are refused', async () => {
    const { io, state } = failingWrites('a0');
    const { o } = await readyToCopy(io);
    state.armed = true;
    state.code = 'EIO';
    await o.retire('a3'); // acknowledged: the failure comes after its fsync, in compaction
    await expect(o.append('b0', payload(9))).rejects.toBeInstanceOf(OutboxWriteError); // queued behind that compaction
    expect(o.healthy).toBe(false);
  });
});
