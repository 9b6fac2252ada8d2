// Entry of the CLI (dist/cli/keytool.mjs), imported by the launcher bin/keytool starts (src/cli/launcher.ts).
import { main } from './main.js';

await main();
