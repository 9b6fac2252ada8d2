// Every keytool command class, in the order `keytool --help` lists their categories.
// Command files stay light (clipanion + typanion only) and `await import()` their work.
import type { CommandClass } from 'clipanion';
import { VersionCommand } from './version.js';

export const commands: CommandClass[] = [
  VersionCommand,
];
