// The real-Guix tier's reporter: after the run, one line per group from the tallies the tests
// wrote (see tally.ts), then the usual `tests: N passed, N failed, N skipped` line.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { TestModule } from 'vitest/node';
import SummaryReporter from '../../support/summary-reporter.js';
import { reportFile, type GroupReport } from './tally.js';

export default class RealGuixReporter extends SummaryReporter {
  onTestRunStart(): void {
    const file = reportFile();
    if (file) rmSync(file, { force: true });
  }

  override onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const file = reportFile();
    const lines = file && existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
    process.stdout.write('\n');
    for (const line of lines) {
      const g = JSON.parse(line) as GroupReport;
      const diff = g.differing.length ? ` (differing: ${g.differing.join(', ')})` : '';
      process.stdout.write(`real-guix ${g.group}: ${g.compared} cases compared, ${g.identical} identical${diff}\n`);
      for (const note of g.notes ?? []) process.stdout.write(`  ${note}\n`);
    }
    super.onTestRunEnd(testModules, unhandledErrors);
  }
}
