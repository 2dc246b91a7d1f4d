// Runs once when a server process starts: checks the configuration and the start command, brings
// the database schema up to date (so a fresh clone's first `npm run dev` just works), sizes the
// password-hashing threads and makes the dummy hash (lib/runtime.ts).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startServerRuntime } = await import('./lib/runtime');
  await startServerRuntime();
}
