// Runs once when a server process starts: check the configuration, bring the database schema up
// to date (so a fresh clone's first `npm run dev` just works), size the password-hashing threads,
// and make the dummy password hash now, so even the first login for an unknown name takes no
// longer than any other (if the hashing thread is too slow to start, the first such login makes it).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getConfig } = await import('./lib/config');
  const { getDb, migrateAtStart } = await import('./db');
  const { orBusy, verifyDummyPassword } = await import('./lib/auth/password');
  const { configureHashPool } = await import('./lib/auth/password-hashing');
  const config = getConfig();
  configureHashPool(config.passwordHash);
  await migrateAtStart(getDb());
  await orBusy(verifyDummyPassword('', config.user.bcryptCost));
}
