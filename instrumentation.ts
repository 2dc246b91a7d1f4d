// Runs once when a server process starts: check the configuration and bring the database
// schema up to date, so a fresh clone's first `npm run dev` just works.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getConfig } = await import('./lib/config');
  const { getDb } = await import('./db');
  const { applyMigrations } = await import('./db/migrate');
  getConfig();
  applyMigrations(getDb());
}
