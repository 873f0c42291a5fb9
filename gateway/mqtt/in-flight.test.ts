import { describe, expect, test } from 'vitest';
import { InFlightLimit } from './in-flight.ts';

describe('InFlightLimit', () => {
  test('up to capacity at once; further callers wait in FIFO order', async () => {
    const slots = new InFlightLimit(2);
    await slots.acquire();
    await slots.acquire();
    const order: number[] = [];
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    expect(slots.waiting).toBe(2);
    slots.release();
    await third;
    expect(order).toEqual([3]);
    expect(slots.inFlight).toBe(2);
    slots.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    expect(slots.maxInFlight).toBe(2);
  });

  test('a newcomer does not overtake a waiter', async () => {
    const slots = new InFlightLimit(1);
    await slots.acquire();
    const order: string[] = [];
    const waiter = slots.acquire().then(() => order.push('waiter'));
    slots.release(); // the slot goes to the waiter, not to whoever asks next
    const newcomer = slots.acquire().then(() => order.push('newcomer'));
    await waiter;
    slots.release();
    await newcomer;
    expect(order).toEqual(['waiter', 'newcomer']);
  });

  test('close() rejects waiters and later acquires', async () => {
    const slots = new InFlightLimit(1);
    await slots.acquire();
    const waiter = slots.acquire();
    const error = new Error('closed');
    slots.close(error);
    await expect(waiter).rejects.toBe(error);
    await expect(slots.acquire()).rejects.toBe(error);
  });

  test('a capacity below 1, or a release without acquire, is a bug', () => {
    expect(() => new InFlightLimit(0)).toThrow(RangeError);
    expect(() => new InFlightLimit(1).release()).toThrow();
  });
});
