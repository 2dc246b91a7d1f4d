// Refuses state-changing requests that a browser sent on behalf of another site. Next.js checks
// server actions' Origin against Host; this adds what it does not: Sec-Fetch-Site, "Origin:
// null" (sandboxed frames, some redirects) and every non-GET route handler. Requests carrying
// neither Origin nor Sec-Fetch-Site come from non-browser clients, welcome only on the JSON API.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginCheckInput = {
  method: string;
  path: string;
  origin: string | null;
  secFetchSite: string | null;
  ownOrigin: string; // e.g. https://auth.example.com, from Host and the resolved protocol
  allowedOrigins: readonly string[];
};

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

export function checkRequestOrigin(input: OriginCheckInput): OriginVerdict {
  if (SAFE_METHODS.has(input.method.toUpperCase())) return { allowed: true };
  const { origin, secFetchSite } = input;
  if (secFetchSite && secFetchSite !== 'same-origin')
    return { allowed: false, reason: `Sec-Fetch-Site: ${secFetchSite}` };
  if (origin === 'null') return { allowed: false, reason: 'Origin: null' };
  if (origin) {
    const known = origin === input.ownOrigin || input.allowedOrigins.includes(origin);
    return known ? { allowed: true } : { allowed: false, reason: `foreign Origin` };
  }
  if (secFetchSite) return { allowed: true }; // same-origin fetch from an older browser without Origin
  return isApiPath(input.path) ? { allowed: true } : { allowed: false, reason: 'no Origin' };
}

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}
