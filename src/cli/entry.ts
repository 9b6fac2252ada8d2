// Entry of the CLI bundle (dist/cli/keytool.mjs), started by bin/keytool.
import { main } from './main.js';

await main();
