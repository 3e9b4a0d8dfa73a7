// How long the scaffolder takes, against bare `node` measured in the same
// run: answering --help (Yeoman not loaded), refusing bad input, and a full
// --dry-run generation (Yeoman loaded, templates rendered and formatted).
//   npm run build && node bench/startup.mjs [runs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const runs = Number(process.argv[2] ?? 7);
const bin = path.join(import.meta.dirname, '..', 'bin', 'create-concur-pattern.js');
const cwd = mkdtempSync(path.join(os.tmpdir(), 'ccp-bench-'));

function medianMs(args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    try {
      execFileSync(process.execPath, args, { cwd, stdio: 'ignore' });
    } catch {
      // Bad input exits 2 on purpose.
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const cases = [
  ['node -e "" (baseline)', ['-e', '']],
  ['--help', [bin, '--help']],
  ['bad pattern (exit 2)', [bin, 'x', '--pattern', 'nope', '--target', 'go']],
  ['--dry-run worker-pool go', [bin, 'x', '--pattern', 'worker-pool', '--target', 'go', '--dry-run']],
  ['--dry-run fan-out typescript', [bin, 'x', '--pattern', 'fan-out', '--target', 'typescript', '--dry-run']],
];
const baseline = medianMs(cases[0][1]);
console.log(`median of ${runs} runs on Node ${process.version}`);
for (const [label, args] of cases) {
  const ms = label.endsWith('(baseline)') ? baseline : medianMs(args);
  console.log(`${label.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / baseline).toFixed(1).padStart(5)}x node`);
}
rmSync(cwd, { recursive: true, force: true });
