import { Agent, request } from 'node:http';
import { median } from './micro';

/**
 * The response time of a password-reset request (POST /api/auth/password-reset) for an account
 * that exists and has a verified address, and for a name that matches nothing, asked in turn one
 * after the other: their medians, in milliseconds. They should not differ (docs/security.md).
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
    unknown.push(await ask(`nobody-${i}`));
  }
  agent.destroy();
  const round2 = (ms: number) => Math.round(ms * 100) / 100;
  return { knownMs: round2(median(known)), unknownMs: round2(median(unknown)) };
}
