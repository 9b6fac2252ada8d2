// A full garbage collection now and then. The helper lives as long as the daemon's worker and
// makes mostly short-lived garbage (BigInts, S-expressions); V8 lets its old generation grow
// lazily, so without this a long session's RSS creeps up (+8 MiB over 150,000 requests, with no
// live data behind it: the live heap stays at ~6 MiB). A full collection of such a heap takes a
// few milliseconds; once every few thousand requests it costs nothing measurable.
import { setFlagsFromString } from 'node:v8';

type Collect = () => void;
let collect: Collect | null | undefined;

/** Run a full collection; a no-op where `gc` cannot be had. Never throws. */
export function fullGc(): void {
  if (collect === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      // node:vm is loaded only here, never while the start-up snapshot is built (Node warns
      // about vm in snapshots), and a fresh context is where the exposed `gc` appears.
      const vm = process.getBuiltinModule('node:vm') as typeof import('node:vm');
      const fn: unknown = vm.runInNewContext('gc');
      collect = typeof fn === 'function' ? (fn as Collect) : null;
    } catch {
      collect = null;
    }
  }
  try {
    collect?.();
  } catch {
    /* never fatal */
  }
}

/** Requests between two full collections. */
export const GC_EVERY = 5000;
