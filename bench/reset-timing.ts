import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { median } from './micro';

// A known account's work runs after its answer; without a rest, the next request (an unknown
// name's, every other time) would be timed while that work takes the thread.
const REST_MS = 25;

/**
 * The response time of a password-reset request (POST /api/auth/password-reset) for an account
 * that exists and has a verified address, and for a name that matches nothing, asked in turn with a
 * rest between them: their medians, in milliseconds. They should not differ (docs/security.md).
 */
export async function measureResetRequests(baseUrl: string, knownName: string, rounds: number) {
  const agent = new Agent({ keepAlive: true });
  const ask = (identifier: string) =>
    new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ identifier });
      const start = performance.now();
      const req = request(
        `${baseUrl}/api/auth/password-reset`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 202
              ? resolve(performance.now() - start)
              : reject(new Error(`status ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < rounds; i++) {
    known.push(await ask(knownName));
    await sleep(REST_MS);
    unknown.push(await ask(`nobody-${i}`));
    await sleep(REST_MS);
  }
  agent.destroy();
  const round2 = (ms: number) => Math.round(ms * 100) / 100;
  return { knownMs: round2(median(known)), unknownMs: round2(median(unknown)) };
}
