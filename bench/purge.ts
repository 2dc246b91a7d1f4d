import { spawn } from 'node:child_process';
import type { DatabaseTarget } from '@/db';
import type { SessionPolicy } from '@/lib/auth/context';

export type PurgeFigures = { purged: number; seconds: number; maxStallMs: number };

/** Runs the purge in a process of its own, as `npm run db:purge` from cron would, and returns its figures. */
export function purgeInOwnProcess(
  target: DatabaseTarget,
  policy: SessionPolicy,
): Promise<PurgeFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/purge-process.ts', JSON.stringify(target), JSON.stringify(policy)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(output.trim().split('\n').pop()!) as PurgeFigures);
      else reject(new Error(`the purge process exited with ${code}`));
    });
  });
}
