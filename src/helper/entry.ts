// The helper bundle's main (dist/helper.cjs): `node dist/helper.cjs authenticate [--help|--version]`.
import { run } from './main.js';

run(process.argv);
