import { Command } from 'clipanion';
import { VERSION } from '../../version.js';

export class VersionCommand extends Command {
  static override paths = [['--version'], ['-V']];
  static override usage = Command.Usage({ description: 'print the version and exit' });

  async execute(): Promise<number> {
    this.context.stdout.write(`keytool (guix-keytool) ${VERSION}\n`);
    return 0;
  }
}
