import type { NextConfig } from 'next';

// Headers that are the same on every response; the CSP (per-request nonce) and HSTS (only over
// HTTPS) are added in proxy.ts.
const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  {
    key: 'Permissions-Policy',
    value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()',
  },
];

// ALLOWED_ORIGINS (see lib/config.ts, which validates it) also widens Next.js's own server-action
// Origin check, which compares hosts. next.config.ts is read again when the server starts.
const allowedActionHosts = (process.env.ALLOWED_ORIGINS ?? '')
  .split(',')
  .map((origin) => origin.trim())
  .filter((origin) => URL.canParse(origin))
  .map((origin) => new URL(origin).host);

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Piscina starts its worker threads from its own files: it must load from node_modules, unbundled.
  serverExternalPackages: ['piscina'],
  experimental: { serverActions: { allowedOrigins: allowedActionHosts } },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
