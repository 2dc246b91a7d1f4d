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
  const { startedThroughServer } = await import('./lib/forwarded');
  if (!startedThroughServer()) {
    // No client address reaches the app, so every client would share one per-IP bucket and
    // fifty wrong guesses from anyone would refuse every login: in production, do not start.
    const message = 'Gatehouse was started without its server (plain `next start` or `next dev`), so it cannot see client addresses';
    if (config.nodeEnv === 'production') {
      console.error(`${message}. Start it with \`npm start\` (node dist/server.js) instead.`);
      process.exit(1);
    }
    const { getLogger } = await import('./lib/logger');
    getLogger().warn({ event: 'no_client_address' }, `${message}: every client counts as one address for throttling. Use \`npm run dev\`.`);
  }
  configureHashPool(config.passwordHash);
  await migrateAtStart(getDb());
  await orBusy(verifyDummyPassword('', config.user.bcryptCost));
}
