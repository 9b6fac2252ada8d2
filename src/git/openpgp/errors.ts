// Errors raised while reading OpenPGP data: the message names what was wrong and where.
import { KeytoolError } from '../../errors.js';

export class OpenPGPError extends KeytoolError {}
