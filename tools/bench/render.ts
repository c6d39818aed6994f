/** Prints a results file of `npm run bench` as Markdown: `node --import tsx tools/bench/render.ts [bench-results/latest.json]`. */
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './processes';
import { renderReport } from './report';
import type { BenchResults } from './run';

const file = process.argv[2] ?? path.join(RESULTS_DIR, 'latest.json');
process.stdout.write(`${renderReport(JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults)}\n`);
