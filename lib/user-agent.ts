import Bowser from 'bowser';

/** "Chrome 156 on Linux", or a plain fallback: for people to recognise their devices. */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version?.split('.')[0]]
    .filter(Boolean)
    .join(' ');
  const os = parsed.os.name;
  if (!browser && !os) return 'Unknown browser';
  if (!os) return browser;
  return `${browser || 'Unknown browser'} on ${os}`;
}
