// npm run deps: which dependencies are behind, and what npm's advisory service knows of them.
// Says plainly when that service cannot be reached: no answer is not a clean bill of health.
import { spawnSync } from 'node:child_process';

// Behind on purpose; the reasons are in CONTRIBUTING.md ("Dependencies").
const HELD_BACK = [
  '@playwright/test',
  '@types/node',
  'better-sqlite3',
  'iron-session',
  'typescript',
];

function npm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('npm', args, { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

console.log('== npm outdated');
const outdated = npm(['outdated']);
console.log(outdated.stdout.trim() || 'Everything is at its latest version.');
console.log(`(held back on purpose: ${HELD_BACK.join(', ')}; see CONTRIBUTING.md)\n`);

console.log('== npm audit');
const audit = npm(['audit', '--json']);
let report: {
  metadata?: { vulnerabilities?: Record<string, number> };
  message?: string;
  error?: { summary?: string };
} = {};
try {
  report = JSON.parse(audit.stdout) as typeof report;
} catch {
  // not JSON: handled below as unreachable
}
const counts = report.metadata?.vulnerabilities;
if (!counts) {
  const why =
    report.message ??
    report.error?.summary ??
    (audit.stderr.trim().split('\n').pop() || 'no answer');
  console.log(`NOT CHECKED: npm's advisory service could not be reached (${why}).`);
  console.log(
    'No vulnerability check was made. Run `npm run deps` where registry.npmjs.org answers audits.',
  );
  process.exit(2);
}
const found = Object.entries(counts).filter(([level, n]) => level !== 'total' && n > 0);
console.log(
  found.length
    ? `Vulnerabilities: ${found.map(([level, n]) => `${n} ${level}`).join(', ')}. Run \`npm audit\` for details.`
    : 'No known vulnerabilities.',
);
process.exit(found.length ? 1 : 0);
