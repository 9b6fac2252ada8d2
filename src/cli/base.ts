// What keytool commands share: output helpers (every command) and the configuration-directory
// option (only the commands that read the configuration directory: a command lists no option it
// ignores, test/cli/man.test.ts checks).
import { Command, Option } from 'clipanion';
import { configDir, configPaths, type ConfigPaths } from '../config.js';
import { colourFor, type CommandIo, type OutputIo } from './io.js';

/** `--acl FILE`, for the commands that check signatures against an ACL. */
export const aclOption = () => Option.String('--acl', { description: 'check against this ACL file instead of the configuration directory\'s' });

/** A command that does not read the configuration directory. */
export abstract class PlainCommand extends Command {
  protected get env(): NodeJS.ProcessEnv {
    return this.context.env ?? process.env;
  }

  protected out(text: string): void {
    this.context.stdout.write(text);
  }

  protected err(text: string): void {
    this.context.stderr.write(text);
  }

  /** The raw streams, for commands that move binary data (stdout made safe from EPIPE crashes). */
  protected async streams(): Promise<import('../nar/cli/io.js').Streams> {
    const { quietBrokenPipe } = await import('../nar/cli/io.js');
    const ctx = this.context as unknown as import('../nar/cli/io.js').Streams;
    quietBrokenPipe(ctx.stdout);
    return { stdin: ctx.stdin, stdout: ctx.stdout, stderr: ctx.stderr, env: this.env };
  }

  /** `work` on the raw streams, reading the nar or bundle `file`: an error in its bytes names it. */
  protected async readingFile(file: string, work: (s: import('../nar/cli/io.js').Streams) => Promise<number>): Promise<number> {
    const { namingInput } = await import('../nar/cli/io.js');
    const s = await this.streams();
    return namingInput(file, () => work(s));
  }

  /** The command's streams and settings, for implementation modules outside the class. */
  get io(): OutputIo {
    return {
      stdin: this.context.stdin,
      out: (text) => this.out(text),
      outBytes: (bytes) => this.context.stdout.write(bytes),
      err: (text) => this.err(text),
      colourOut: colourFor(this.context.stdout, this.env),
    };
  }
}

/** A command that reads the configuration directory (keys, ACL, labels): takes `--config-dir`. */
export abstract class KeytoolCommand extends PlainCommand {
  configDirOption = Option.String('--config-dir', {
    description: 'Guix configuration directory (default: $GUIX_CONFIGURATION_DIRECTORY, else /etc/guix)',
  });

  protected get config(): ConfigPaths {
    return configPaths(configDir(this.configDirOption, this.env));
  }

  /** OutputIo and the configuration directory's paths. */
  override get io(): CommandIo {
    return { ...super.io, paths: this.config };
  }
}
