import type { Db } from '@/db';
import { incrementCounter, uncount } from '@/db/queries/throttle';
import type { MailSettings } from '../config';
import type { Refused } from './context';
import { formatWait } from './throttle';

// Mail that verifies an address (a link, or word that another account has it) goes where the
// account asks, to an address nobody has proved is theirs: left alone, an account could flood
// any inbox by changing its address again and again, and many accounts one inbox. So each
// account may ask for a few an hour (THROTTLE_VERIFY_MAIL_PER_ACCOUNT) and each address receives
// a few an hour (THROTTLE_VERIFY_MAIL_PER_ADDRESS), whichever accounts ask. The person who asked
// is told when to try again. Other mail has its own bounds: reset links their per-account and
// per-IP throttles, sign-in notices NOTICES_PER_HOUR, and notices of a change its cause.

const WINDOW_MS = 3600_000;

/** One verification mail, counted; `uncount` gives it back if it is not sent after all. */
export type CountedMail = { ok: true; keys: string[] };

type Limit = { key: string; max: number; scope: 'account' | 'address'; message: string };

/**
 * Counts one verification mail to `address`, asked for by the account `userId` (null for an
 * account still to be made), against both caps; refuses it, counting nothing, past either.
 */
export async function countVerificationMail(
  db: Db,
  settings: MailSettings,
  asker: { userId: number | null; address: string },
  now: Date,
): Promise<CountedMail | (Refused & { scope: 'account' | 'address' })> {
  const limits: Limit[] = [
    {
      key: `verify-mail-address:${asker.address}`,
      max: settings.verifyPerAddress,
      scope: 'address',
      message: 'Too much mail has gone to that address lately.',
    },
  ];
  if (asker.userId !== null)
    limits.push({
      key: `verify-mail-account:${asker.userId}`,
      max: settings.verifyPerAccount,
      scope: 'account',
      message: 'You have changed your email address too often.',
    });
  const keys: string[] = [];
  for (const limit of limits) {
    // Counted first, in one statement each, so requests sent together cannot all slip under.
    const counter = await incrementCounter(db, limit.key, now, WINDOW_MS);
    keys.push(limit.key);
    if (counter.count > limit.max) {
      await uncountVerificationMail(db, { ok: true, keys });
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil((counter.resetAt.getTime() - now.getTime()) / 1000),
      );
      return {
        ok: false,
        reason: 'throttled',
        scope: limit.scope,
        retryAfterSeconds,
        message: `${limit.message} Try again in ${formatWait(retryAfterSeconds)}.`,
      };
    }
  }
  return { ok: true, keys };
}

/** Gives a counted mail back: it was not sent after all. */
export async function uncountVerificationMail(db: Db, counted: CountedMail): Promise<void> {
  for (const key of counted.keys) await uncount(db, key);
}
