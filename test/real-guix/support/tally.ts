// One report line per test group: how many cases compared our output with real Guix's, and
// how many were identical. Tests count through a Tally; report() (in afterAll) appends the
// group's counts to a file that the tier's reporter (reporter.ts) prints at the end of the run,
// after vitest's own output, as `real-guix GROUP: N cases compared, M identical`.
import { appendFileSync } from 'node:fs';
import path from 'node:path';

export interface GroupReport {
  group: string;
  compared: number;
  identical: number;
  differing: string[];
  /** Lines printed under the group's line (e.g. what made the real program fail). */
  notes?: string[];
}

/** The file the reporter reads: beside the PID file setup.sh hands us. */
export function reportFile(): string | undefined {
  const pids = process.env.GUIX_KEYTOOL_PIDS;
  return pids ? path.join(path.dirname(pids), 'report.jsonl') : undefined;
}

export class Tally {
  private compared = 0;
  private identical = 0;
  private readonly differing: string[] = [];
  private readonly notes: string[] = [];

  constructor(readonly group: string) {}

  /** Count one comparison; returns whether ours and theirs are equal (bytes or strings). */
  compare(name: string, ours: Buffer | string, theirs: Buffer | string): boolean {
    this.compared++;
    const same = Buffer.isBuffer(ours) && Buffer.isBuffer(theirs) ? ours.equals(theirs) : String(ours) === String(theirs);
    if (same) this.identical++;
    else this.differing.push(name);
    return same;
  }

  /** A line for the report, under the group's counts. */
  note(line: string): void {
    this.notes.push(line);
  }

  report(): void {
    const file = reportFile();
    const line: GroupReport = { group: this.group, compared: this.compared, identical: this.identical, differing: this.differing, ...(this.notes.length ? { notes: this.notes } : {}) };
    if (file) appendFileSync(file, `${JSON.stringify(line)}\n`);
  }
}
