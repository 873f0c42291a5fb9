// Time as the serial parts see it: injected, so that tests drive it with @sinonjs/fake-timers.
//   new RingFramer({ …, clock: fakeClock })   // FakeClock from createClock() fits as it is

export interface Clock {
  /** Milliseconds since the epoch (Date.now): frame timestamps become ScanEvent times. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
