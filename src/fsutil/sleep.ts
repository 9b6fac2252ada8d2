// A synchronous sleep, for code that waits without the event loop (lock retries, a full pipe).
// The buffer is made on first use: the helper's V8 start-up snapshot cannot hold a SharedArrayBuffer.
let sleeper: Int32Array | undefined;

export function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}
