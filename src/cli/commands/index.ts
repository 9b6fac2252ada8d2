// Every keytool command class, in the order `keytool --help` lists their categories.
// Command files stay light (clipanion + typanion only) and `await import()` their work.
import type { CommandClass } from 'clipanion';
import { VersionCommand } from './version.js';
import { GenerateCommand } from './generate.js';
import { AuthorizeCommand } from './authorize.js';
import { DeauthorizeCommand } from './deauthorize.js';
import { ListCommand } from './list.js';
import { ShowCommand } from './show.js';
import { SignCommand } from './sign.js';
import { VerifyCommand } from './verify.js';
import { AclCommand } from './acl.js';
import { GitAuthenticateCommand, GitAuthorizationsCommand } from './git.js';
import { GitChannelInitCommand, GitChannelIntroductionCommand, GitCommitterCommand, GitPrePushCommand } from './channel.js';
import { SexpCommand } from './sexp.js';
import { NarPackCommand, NarUnpackCommand, NarHashCommand, NarListCommand } from './nar.js';
import { ArchiveExportCommand, ArchiveListCommand, ArchiveVerifyCommand, ArchiveExtractCommand } from './archive.js';
import { NarinfoSignCommand, NarinfoVerifyCommand } from './narinfo.js';
import { SubstitutesCheckCommand } from './substitutes.js';
import { AuthenticateCommand } from './authenticate.js';

export const commands: CommandClass[] = [
  VersionCommand,
  GenerateCommand,
  AuthorizeCommand,
  DeauthorizeCommand,
  ListCommand,
  ShowCommand,
  SignCommand,
  VerifyCommand,
  AclCommand,
  GitAuthenticateCommand,
  GitAuthorizationsCommand,
  GitChannelInitCommand,
  GitChannelIntroductionCommand,
  GitCommitterCommand,
  GitPrePushCommand,
  SexpCommand,
  NarPackCommand,
  NarUnpackCommand,
  NarHashCommand,
  NarListCommand,
  ArchiveExportCommand,
  ArchiveListCommand,
  ArchiveVerifyCommand,
  ArchiveExtractCommand,
  NarinfoSignCommand,
  NarinfoVerifyCommand,
  SubstitutesCheckCommand,
  AuthenticateCommand,
];
