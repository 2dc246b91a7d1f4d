export const DEFAULT_AFTER_LOGIN = '/protected';

const PLACEHOLDER_ORIGIN = 'http://gatehouse.invalid';

/**
 * The same-origin path to go to after logging in. Anything that could leave the site
 * (absolute URLs, `//host`, `\\host`, `javascript:`, control characters) becomes the default.
 */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048)
    return DEFAULT_AFTER_LOGIN;
  // Browsers treat a backslash like a slash and strip tabs and newlines, so refuse them outright.
  if (!next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(next)) {
    return DEFAULT_AFTER_LOGIN;
  }
  const url = new URL(next, PLACEHOLDER_ORIGIN);
  if (url.origin !== PLACEHOLDER_ORIGIN) return DEFAULT_AFTER_LOGIN;
  return `${url.pathname}${url.search}${url.hash}`;
}
