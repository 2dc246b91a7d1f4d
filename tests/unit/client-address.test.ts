import { describe, expect, it } from 'vitest';
import { resolveClientIp, resolveProtocol } from '@/server/client-address';

describe('resolveClientIp', () => {
  it('uses the socket address and ignores forwarding headers when no proxy is trusted', () => {
    expect(resolveClientIp('203.0.113.5', '1.2.3.4', '5.6.7.8', 0)).toBe('203.0.113.5');
    expect(resolveClientIp('::ffff:127.0.0.1', '9.9.9.9', undefined, 0)).toBe('127.0.0.1');
  });

  it('takes the address the trusted proxies saw, not what the client claimed', () => {
    // client claims 6.6.6.6; the one trusted proxy appended the real peer 198.51.100.7
    expect(resolveClientIp('10.0.0.2', '6.6.6.6, 198.51.100.7', undefined, 1)).toBe('198.51.100.7');
    expect(resolveClientIp('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', undefined, 2)).toBe(
      '198.51.100.7',
    );
    expect(resolveClientIp('10.0.0.2', '198.51.100.7', undefined, 3)).toBe('198.51.100.7');
  });

  it('falls back to X-Real-IP, then the socket, and never returns something that is not an IP', () => {
    expect(resolveClientIp('10.0.0.2', undefined, '198.51.100.8', 1)).toBe('198.51.100.8');
    expect(resolveClientIp('10.0.0.2', 'not-an-ip', undefined, 1)).toBe('10.0.0.2');
    expect(resolveClientIp(undefined, undefined, undefined, 0)).toBeNull();
  });
});

describe('resolveProtocol', () => {
  it('believes X-Forwarded-Proto only from a trusted proxy', () => {
    expect(resolveProtocol(true, undefined, 0)).toBe('https');
    expect(resolveProtocol(false, 'https', 0)).toBe('http');
    expect(resolveProtocol(false, 'https', 1)).toBe('https');
    expect(resolveProtocol(false, 'http', 1)).toBe('http');
  });
});

describe('readVouchedHeader', () => {
  it('believes the forwarding headers only on requests stamped by this server process', async () => {
    const { createVoucher, readVouchedHeader, CLIENT_IP_HEADER, VOUCHER_HEADER } =
      await import('@/lib/http/vouched-headers');
    const voucher = createVoucher();
    const stamped = new Headers({ [VOUCHER_HEADER]: voucher, [CLIENT_IP_HEADER]: '203.0.113.5' });
    const madeUp = new Headers({ [VOUCHER_HEADER]: 'guess', [CLIENT_IP_HEADER]: '6.6.6.6' });
    const unstamped = new Headers({ [CLIENT_IP_HEADER]: '6.6.6.6' });
    expect(readVouchedHeader(stamped, CLIENT_IP_HEADER)).toBe('203.0.113.5');
    expect(readVouchedHeader(madeUp, CLIENT_IP_HEADER)).toBeNull();
    expect(readVouchedHeader(unstamped, CLIENT_IP_HEADER)).toBeNull();
  });
});
