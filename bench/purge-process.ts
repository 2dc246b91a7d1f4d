// The purge as cron runs it: a process of its own beside the server. bench/purge.ts spawns this
// with the database target and the session policy as JSON, and reads one JSON line of figures.
import { openDatabase, type DatabaseTarget } from '@/db';
import type { SessionPolicy } from '@/lib/auth/context';
import { measurePurge } from './micro';

const [target, policy] = [
  JSON.parse(process.argv[2]!) as DatabaseTarget,
  JSON.parse(process.argv[3]!) as SessionPolicy,
];
const db = openDatabase(target);
void measurePurge(db, policy)
  .then(
    (figures) => console.log(JSON.stringify(figures)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  )
  .finally(() => db.close());
