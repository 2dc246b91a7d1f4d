// Both names the session cookie can have (see lib/config.ts, COOKIE_SECURE). Kept apart so
// the proxy can look for the cookie without loading configuration or the database.
export const SECURE_COOKIE_NAME = '__Host-session';
export const PLAIN_COOKIE_NAME = 'session';
export const SESSION_COOKIE_NAMES = [SECURE_COOKIE_NAME, PLAIN_COOKIE_NAME] as const;
