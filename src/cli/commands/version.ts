import { Command } from 'clipanion';
import { VERSION_LINE } from '../../version.js';

export class VersionCommand extends Command {
  static override paths = [['--version'], ['-V']];
  static override usage = Command.Usage({ description: 'print the version and exit' });

  async execute(): Promise<number> {
    this.context.stdout.write(VERSION_LINE);
    return 0;
  }
}
