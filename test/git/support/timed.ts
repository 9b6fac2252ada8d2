// A time bound for tests of hostile input: the work must finish (or fail) within `ms`.
import { expect } from 'vitest';

export function timed<T>(f: () => T, ms = 2000): T {
  const start = performance.now();
  try {
    return f();
  } finally {
    expect(performance.now() - start).toBeLessThan(ms);
  }
}
