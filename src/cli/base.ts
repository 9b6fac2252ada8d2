// What every keytool command shares: the configuration-directory option and output helpers.
import { Command, Option } from 'clipanion';
import { configDir, configPaths, type ConfigPaths } from '../config.js';

export interface CommandIo {
  paths: ConfigPaths;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  out(text: string): void;
  outBytes(bytes: Uint8Array): void;
  err(text: string): void;
  colourOut: boolean;
  colourErr: boolean;
}

export abstract class KeytoolCommand extends Command {
  configDirOption = Option.String('--config-dir', {
    description: 'Guix configuration directory (default: $GUIX_CONFIGURATION_DIRECTORY, else /etc/guix)',
  });

  protected get config(): ConfigPaths {
    return configPaths(configDir(this.configDirOption));
  }

  protected out(text: string): void {
    this.context.stdout.write(text);
  }

  protected err(text: string): void {
    this.context.stderr.write(text);
  }

  /** The command's streams, paths and settings, for implementation modules outside the class. */
  get io(): CommandIo {
    const env = this.context.env ?? process.env;
    return {
      paths: this.config,
      env,
      stdin: this.context.stdin,
      out: (text) => this.out(text),
      outBytes: (bytes) => this.context.stdout.write(bytes),
      err: (text) => this.err(text),
      colourOut: this.colour(this.context.stdout),
      colourErr: this.colour(this.context.stderr),
    };
  }

  /** Colour only when the stream is a terminal and NO_COLOR is unset (clig.dev). */
  protected colour(stream: NodeJS.WritableStream): boolean {
    const env = this.context.env ?? process.env;
    return Boolean((stream as { isTTY?: boolean }).isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
  }
}
