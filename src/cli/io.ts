// What a command's work (keyops.ts, the commands' modules) is handed instead of clipanion's
// context: its streams and settings. No clipanion here: the quick path (quick.ts) builds these too.
import type { ConfigPaths } from '../config.js';

/** A command's streams and settings, for implementation modules outside the class. */
export interface OutputIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out(text: string): void;
  outBytes(bytes: Uint8Array): void;
  err(text: string): void;
  colourOut: boolean;
}

/** OutputIo and the configuration directory's paths. */
export interface CommandIo extends OutputIo {
  paths: ConfigPaths;
}

/** Colour only when the stream is a terminal and NO_COLOR is unset (clig.dev). */
export function colourFor(stream: NodeJS.WritableStream | { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}
