// One target of the long fuzz run, in its own process (so its peak RSS is its own), started by
// scripts/fuzz.mjs through IPC. Before each input it writes that input to the state file, so a
// hang or a crash leaves the input that caused it behind; it sends a heartbeat while it works
// and its report at the end.
import { openSync, writeSync } from 'node:fs';
import { feed, fuzzTarget, type Report } from './engine.js';
import type { FuzzInput } from './mutate.js';
import { isKnown } from './known.js';
import { targetNamed } from './targets.js';

export interface ChildJob {
  target: string;
  runs: number;
  seed: number;
  maxMillisPerInput: number;
  stateFile: string;
  /** Replay this one input instead of generating. */
  replay?: FuzzInput;
}

export type ChildMessage =
  | { type: 'progress'; done: number; rss: number }
  | { type: 'report'; report: Report; maxRssKiB: number }
  | { type: 'replayed'; outcome?: string; millis: number; fault?: string };

/** State file layout: the length of the rest (u32), index (u32), cut count (u32), cuts (u32
 *  each), then the input bytes; scripts/fuzz.mjs's readState reads it. */
function encodeState(index: number, input: FuzzInput): Buffer {
  const head = Buffer.alloc(12 + 4 * input.cuts.length);
  head.writeUInt32LE(head.length - 4 + input.bytes.length, 0);
  head.writeUInt32LE(index, 4);
  head.writeUInt32LE(input.cuts.length, 8);
  input.cuts.forEach((c, i) => head.writeUInt32LE(c, 12 + 4 * i));
  return Buffer.concat([head, input.bytes]);
}

const send = (m: ChildMessage, then?: () => void): void => {
  process.send!(m, undefined, {}, then);
};

function main(job: ChildJob): void {
  const target = targetNamed(job.target);
  if (job.replay) {
    const r = feed(target, job.replay, job.maxMillisPerInput);
    send({ type: 'replayed', outcome: r.outcome, millis: r.millis, fault: r.fault instanceof Error ? r.fault.stack : r.fault === undefined ? undefined : String(r.fault) }, done);
    return;
  }
  target.corpus(); // build the seeds (key generation) before the clock starts
  const state = openSync(job.stateFile, 'w');
  let last = 0;
  const report = fuzzTarget(target, {
    runs: job.runs,
    seed: job.seed,
    maxMillisPerInput: job.maxMillisPerInput,
    // pwrite at offset 0: the file always holds the input being fed (stale bytes past its end are
    // ignored: the record starts with its length).
    onInput: (index, input) => {
      const b = encodeState(index, input);
      writeSync(state, b, 0, b.length, 0);
    },
    heartbeat: (done) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      send({ type: 'progress', done, rss: process.memoryUsage.rss() });
    },
  });
  for (const bug of report.bugs) bug.known = isKnown(job.target, bug)?.what;
  send({ type: 'report', report, maxRssKiB: process.resourceUsage().maxRSS }, done);
}

/** Close the channel once the last message is out, so the process can end. */
const done = (): void => process.disconnect();

process.once('message', main);
