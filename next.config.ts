import type { NextConfig } from 'next';
import { STATIC_SECURITY_HEADERS } from './lib/http/security-headers';

// ALLOWED_ORIGINS (see lib/config.ts, which validates it) also widens Next.js's own server-action
// Origin check, which compares hosts. next.config.ts is read again when the server starts.
const allowedActionHosts = (process.env.ALLOWED_ORIGINS ?? '')
  .split(',')
  .map((origin) => origin.trim())
  .filter((origin) => URL.canParse(origin))
  .map((origin) => new URL(origin).host);

const LINK_PAGES = ['/reset-password', '/verify-email', '/forgot-password'];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Loaded from node_modules as they are, not bundled: Piscina starts its worker threads from its
  // own files, and the server outside the bundle loads prom-client too, so the process has one copy.
  serverExternalPackages: ['piscina', 'prom-client'],
  experimental: { serverActions: { allowedOrigins: allowedActionHosts } },
  async headers() {
    return [
      { source: '/:path*', headers: [...STATIC_SECURITY_HEADERS] },
      // Pages opened from a mailed link carry its token in the address: requests from them name
      // only the origin. Not no-referrer: with it a browser sends `Origin: null` on the page's
      // form posts, which the cross-site check refuses, so the forms would fail without JavaScript.
      ...LINK_PAGES.map((source) => ({
        source,
        headers: [{ key: 'Referrer-Policy', value: 'strict-origin' }],
      })),
    ];
  },
};

export default nextConfig;
