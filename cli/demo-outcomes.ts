// What `implant-scan demo` prints for each scan, and what --exit-on-eof waits for before it stops.
//   const outcomes = watchOutcomes(controller, (line) => process.stdout.write(line));
//   …  await outcomes.untilDecided(linesSent, signal);   // every frame has its outcome
//   await outcomes.untilReceipted(signal);                 // every accepted scan has its receipt
// One line per outcome: `receipt {json}`, `refused {json}`, `case {json}`. The controller's events
// cover accepted and refused scans; a double read or a case card is said only by handleFrame's
// result, so the demo wraps that method of its own controller.
// Accepted scans are counted by id, not looked up in the station page's scan log: that log keeps
// the last 2,000 scans, and a demo of 20,000 piped lines could otherwise stop (and remove its
// temporary outbox) while an early scan still waits for its order code.

import type { GatewayController } from '../gateway/controller.ts';

export interface Outcomes {
  /** Resolves once the gateway has decided `n` frames, or `signal` aborts. */
  untilDecided(n: number, signal: AbortSignal): Promise<void>;
  /** Resolves once no scan accepted so far waits for its receipt, or `signal` aborts. */
  untilReceipted(signal: AbortSignal): Promise<void>;
}

type Controller = Pick<GatewayController, 'on' | 'off' | 'handleFrame' | 'currentStatus'>;
type Subscribe = (check: () => void) => () => void;

export function watchOutcomes(controller: Controller, write: (line: string) => void): Outcomes {
  const print = (kind: string, body: unknown): void => write(`${kind} ${JSON.stringify(body)}\n`);
  let decided = 0;
  /** Accepted, no receipt yet. */
  const waiting = new Set<string>();
  /** Receipted before its 'accepted' event was seen (not expected, but then it must not wait forever). */
  const early = new Set<string>();
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of waiters) w();
  };
  controller.on('accepted', (event) => {
    if (!early.delete(event.scanId)) waiting.add(event.scanId);
  });
  controller.on('receipt', (r) => {
    print('receipt', { scanId: r.scanId, status: r.status, orderCode: r.orderCode, productName: r.productName });
    if (!waiting.delete(r.scanId)) early.add(r.scanId);
    wake();
  });
  controller.on('refused', (s) => print('refused', { reason: s.reason }));
  const handleFrame = controller.handleFrame.bind(controller);
  controller.handleFrame = async (bytes, atMs) => {
    const outcome = await handleFrame(bytes, atMs);
    if (!outcome.accepted && outcome.reason === 'double-read') print('refused', { reason: { code: 'double-read', message: 'The same code again within the double-read window: ignored.' } });
    if (!outcome.accepted && outcome.reason === 'control') print('case', { caseId: controller.currentStatus().caseId });
    decided++;
    wake();
    return outcome;
  };
  const subscribe: Subscribe = (check) => {
    waiters.add(check);
    return () => waiters.delete(check);
  };
  return {
    untilDecided: (n, signal) => until(() => decided >= n, subscribe, signal),
    untilReceipted: (signal) => until(() => waiting.size === 0, subscribe, signal),
  };
}

/** Resolves once `ok()` holds (checked now and whenever `subscribe` calls back) or `signal` aborts. */
export function until(ok: () => boolean, subscribe: Subscribe, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!ok() && !signal.aborted) return;
      unsubscribe();
      signal.removeEventListener('abort', check);
      resolve();
    };
    const unsubscribe = subscribe(check);
    signal.addEventListener('abort', check, { once: true });
    check();
  });
}
