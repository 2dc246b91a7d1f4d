import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type {
  PasskeyPolicy,
  SecondFactorPolicy,
  SessionPolicy,
  ThrottlePolicy,
  UserPolicy,
} from './auth/context';
import type { DatabaseTarget } from '@/db';

// Every setting Gatehouse reads from the environment, parsed once and typed.
// docs/configuration.md lists the same variables (a unit test keeps them in step).

const DATA_DIR = path.resolve(/*turbopackIgnore: true*/ process.cwd(), 'data');
const DEFAULT_DATABASE_URL = 'file:./data/gatehouse.db';
const DEV_SECRET_FILE = path.join(DATA_DIR, 'session-secret');
const DEV_ENCRYPTION_KEY_FILE = path.join(DATA_DIR, 'encryption-key');
const MAIL_DIR = path.join(DATA_DIR, 'mail');
const RESET_WINDOW_MS = 3600_000;
const DEFAULT_BREACHED_PASSWORD_API = 'https://api.pwnedpasswords.com';
// The one variable whose empty value means something rather than "unset": no breach check.
const EMPTY_MEANS_OFF = new Set(['BREACHED_PASSWORD_API']);

// The cookies Gatehouse sets. With COOKIE_SECURE (the default) each carries the __Host- prefix,
// which makes the browser refuse it unless it is Secure, host-only and Path=/.
const COOKIES = {
  session: 'session',
  device: 'device',
  pendingLogin: 'pending-login',
  passkeyChallenge: 'passkey-challenge',
} as const;
const cookieNames = (secure: boolean) =>
  Object.fromEntries(
    Object.entries(COOKIES).map(([key, name]) => [key, secure ? `__Host-${name}` : name]),
  ) as Record<keyof typeof COOKIES, string>;

/** Every name the session cookie can have, for the proxy's look at a request. */
export const SESSION_COOKIE_NAMES: readonly string[] = [
  cookieNames(true).session,
  cookieNames(false).session,
];

const integer = (fallback: number, min: number, max: number, unit: string) =>
  z.coerce
    .number({ error: `must be a whole number of ${unit}` })
    .int(`must be a whole number of ${unit}`)
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

const boolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

const nodeEnvSchema = z.enum(['development', 'production', 'test']).default('development');
type NodeEnv = z.infer<typeof nodeEnvSchema>;

// Rules that depend on NODE_ENV are built into the field, so one pass reports every bad variable.
function envSchema(nodeEnv: NodeEnv) {
  // One secret, or several separated by commas, newest first: the newest seals new cookies and
  // the others still open cookies sealed before a rotation.
  const secretList = (required: string) =>
    z
      .string({ error: required })
      .transform((list) => list.split(',').map((s) => s.trim()))
      .pipe(z.array(z.string().min(32, 'each secret must be at least 32 characters')));
  const secret = secretList('is required when NODE_ENV=production (32+ random characters)');
  return z
    .object({
      NODE_ENV: nodeEnvSchema,
      DATABASE_URL: z
        .string()
        .default(DEFAULT_DATABASE_URL)
        .refine((url) => !isPostgresUrl(url) || URL.canParse(url), {
          message: 'is not a valid postgres:// URL',
        })
        .refine((url) => !isPostgresUrl(url) || !/[?&]sslmode=/i.test(url), {
          message: 'set DATABASE_SSL instead of sslmode in the URL',
        }),
      DATABASE_POOL_SIZE: integer(10, 1, 1000, 'connections'),
      DATABASE_STATEMENT_TIMEOUT: integer(5000, 100, 600_000, 'milliseconds'),
      DATABASE_CONNECT_TIMEOUT: integer(5000, 100, 600_000, 'milliseconds'),
      DATABASE_SSL: z
        .enum(['auto', 'disable', 'require', 'verify-full'], {
          error: 'must be auto, disable, require or verify-full',
        })
        .default('auto'),
      SESSION_SECRET: nodeEnv === 'production' ? secret : secret.optional(),
      SESSION_IDLE_TIMEOUT: integer(30 * 60, 1, 365 * 24 * 3600, 'seconds'),
      SESSION_ABSOLUTE_TIMEOUT: integer(12 * 60 * 60, 1, 365 * 24 * 3600, 'seconds'),
      COOKIE_SECURE: boolean(true),
      PASSWORD_MIN_LENGTH: integer(15, 8, 64, 'characters'),
      PASSWORD_CONTEXT_WORDS: z
        .string()
        .default('')
        .transform((list) =>
          list
            .split(',')
            .map((word) => word.trim().toLowerCase())
            .filter(Boolean),
        )
        .pipe(
          z.array(
            z
              .string()
              .min(3, 'each word must be at least 3 characters')
              .max(64, 'each word must be at most 64 characters'),
          ),
        ),
      BREACHED_PASSWORD_API: z
        .string()
        .default(DEFAULT_BREACHED_PASSWORD_API)
        .refine((url) => url === '' || (/^https?:\/\/[^/]/i.test(url) && URL.canParse(url)), {
          message:
            'must be an http(s) URL such as https://api.pwnedpasswords.com, or empty to turn the check off',
        })
        .transform((url) => url.replace(/\/+$/, '')),
      BREACHED_PASSWORD_TIMEOUT: integer(2000, 100, 30_000, 'milliseconds'),
      BREACHED_PASSWORD_ON_ERROR: z
        .enum(['accept', 'refuse'], { error: 'must be accept or refuse' })
        .default('accept'),
      // Cost 4 only makes unit tests fast; anything below 10 is too cheap to guess against.
      BCRYPT_COST:
        nodeEnv === 'test' ? integer(12, 4, 15, 'rounds') : integer(12, 10, 15, 'rounds'),
      // Every core but one for hashing, so one is always left for serving requests.
      PASSWORD_HASH_THREADS: integer(Math.max(1, availableParallelism() - 1), 1, 256, 'threads'),
      PASSWORD_HASH_QUEUE_TIMEOUT: integer(10_000, 100, 600_000, 'milliseconds'),
      PORT: integer(3000, 1, 65535, 'port'),
      HOST: z.string().min(1).default('localhost'),
      TRUST_PROXY: integer(0, 0, 10, 'proxy hops'),
      ALLOWED_ORIGINS: z
        .string()
        .default('')
        .transform((list) =>
          list
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean),
        )
        .pipe(
          z.array(
            z.url({
              error: 'must be a comma-separated list of origins such as https://auth.example.com',
            }),
          ),
        ),
      THROTTLE_ACCOUNT_FREE_FAILURES: integer(5, 1, 1000, 'failures'),
      THROTTLE_ACCOUNT_MAX_DELAY: integer(15 * 60, 1, 24 * 3600, 'seconds'),
      THROTTLE_IP_FAILURES: integer(50, 1, 1_000_000, 'failures'),
      THROTTLE_IP_WINDOW: integer(15 * 60, 1, 7 * 24 * 3600, 'seconds'),
      THROTTLE_IPV6_PREFIX: integer(64, 32, 128, 'bits'),
      THROTTLE_REGISTER_PER_IP: integer(10, 1, 1_000_000, 'registrations'),
      THROTTLE_REGISTER_WINDOW: integer(3600, 1, 7 * 24 * 3600, 'seconds'),
      EVENT_RETENTION_DAYS: integer(90, 1, 3650, 'days'),
      METRICS_PORT: z.coerce
        .number({ error: 'must be a port number' })
        .int('must be a port number')
        .min(1, 'must be at least 1')
        .max(65535, 'must be at most 65535')
        .optional(),
      METRICS_HOST: z.string().min(1).default('127.0.0.1'),
      METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
      APP_NAME: z.string().min(1).max(64).default('Gatehouse'),
      APP_ORIGIN: z
        .url({ protocol: /^https?$/, error: 'must be an origin such as https://auth.example.com' })
        .transform((url) => new URL(url).origin)
        .optional(),
      // The passkeys' relying party: APP_ORIGIN's host or a registrable suffix of it.
      WEBAUTHN_RP_ID: z
        .string()
        .regex(/^[a-z0-9.-]+$/i, 'must be a host name such as example.com')
        .transform((host) => host.toLowerCase())
        .optional(),
      // Keys for what must be read back (queued mail, second-factor secrets), newest first: apart
      // from SESSION_SECRET, so rotating the cookies' secret never makes stored data unreadable
      // (docs/decisions/009-encryption-keys-apart-from-the-session-secret.md).
      ENCRYPTION_KEYS:
        nodeEnv === 'production'
          ? secretList('is required when NODE_ENV=production (32+ random characters)')
          : secretList('must be a comma-separated list of keys').optional(),
      SMTP_URL: z
        .string()
        .refine((url) => /^smtps?:\/\//i.test(url) && URL.canParse(url), {
          message:
            'must be an smtp:// or smtps:// URL, such as smtps://user:password@mail.example.com',
        })
        .optional(),
      MAIL_FROM: z
        .string()
        .regex(/^[^<>@\s][^<>]*<[^<>@\s]+@[^<>@\s]+>$|^[^<>@\s]+@[^<>@\s]+$/, {
          message: 'must be an address, or a name and an address: Gatehouse <no-reply@example.com>',
        })
        .optional(),
      EMAIL_VERIFY_TTL: integer(24 * 3600, 60, 30 * 24 * 3600, 'seconds'),
      PASSWORD_RESET_TTL: integer(20 * 60, 60, 24 * 3600, 'seconds'),
      NOTICES_PER_HOUR: integer(5, 1, 1000, 'notices'),
      THROTTLE_VERIFY_MAIL_PER_ACCOUNT: integer(5, 1, 1000, 'mails'),
      THROTTLE_VERIFY_MAIL_PER_ADDRESS: integer(3, 1, 1000, 'mails'),
      REAUTH_WINDOW: integer(600, 30, 24 * 3600, 'seconds'),
      TOTP_DRIFT_STEPS: integer(0, 0, 1, 'steps'),
      REQUIRE_SECOND_FACTOR: z
        .enum(['none', 'all'], { error: 'must be none or all' })
        .default('none'),
      MAIL_RETRY_MAX_DELAY: integer(600, 1, 24 * 3600, 'seconds'),
      THROTTLE_RESET_PER_IP: integer(10, 1, 1_000_000, 'requests'),
      THROTTLE_RESET_PER_ACCOUNT: integer(3, 1, 1000, 'requests'),
      BENCH_TWIN: boolean(false),
      LOG_LEVEL: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
          error: 'must be one of fatal, error, warn, info, debug, trace, silent',
        })
        .default('info'),
    })
    .refine((env) => env.SESSION_ABSOLUTE_TIMEOUT >= env.SESSION_IDLE_TIMEOUT, {
      path: ['SESSION_ABSOLUTE_TIMEOUT'],
      message: 'must be at least SESSION_IDLE_TIMEOUT',
    })
    .refine(
      (env) =>
        !env.ENCRYPTION_KEYS || !(env.SESSION_SECRET ?? []).includes(env.ENCRYPTION_KEYS[0]!),
      {
        path: ['ENCRYPTION_KEYS'],
        message:
          "the newest key must not be one of SESSION_SECRET's: give it a key of its own (an older key may still be one, while upgrading)",
      },
    )
    .refine((env) => nodeEnv !== 'production' || !env.SMTP_URL || env.APP_ORIGIN, {
      path: ['APP_ORIGIN'],
      message:
        'is required in production when email is on (SMTP_URL is set): links in mail are built from it',
    })
    .refine(
      (env) => {
        if (!env.WEBAUTHN_RP_ID) return true;
        const host = new URL(env.APP_ORIGIN ?? `http://localhost:${env.PORT}`).hostname;
        return host === env.WEBAUTHN_RP_ID || host.endsWith(`.${env.WEBAUTHN_RP_ID}`);
      },
      {
        path: ['WEBAUTHN_RP_ID'],
        message:
          "must be APP_ORIGIN's host or a domain it belongs to (auth.example.com or example.com)",
      },
    )
    .refine((env) => env.METRICS_PORT !== env.PORT, {
      path: ['METRICS_PORT'],
      message:
        'must differ from PORT: metrics are served on a listener of their own, never on the public port',
    });
}

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  database: DatabaseTarget;
  sessionSecrets: string[]; // newest first
  cookies: {
    secure: boolean;
    session: string;
    device: string;
    pendingLogin: string;
    passkeyChallenge: string;
  };
  session: SessionPolicy;
  user: UserPolicy;
  passwordHash: { threads: number; queueTimeoutMs: number };
  throttle: ThrottlePolicy;
  secondFactor: SecondFactorPolicy;
  passkeys: PasskeyPolicy;
  port: number;
  host: string;
  trustProxyHops: number;
  allowedOrigins: string[];
  eventRetentionDays: number;
  appName: string;
  /** Where people reach Gatehouse: links in mail are built from it, never from a request's Host. */
  appOrigin: string;
  /** Keys for what is encrypted at rest, newest first (ENCRYPTION_KEYS). */
  encryptionKeys: string[];
  /** Email, or null when it is off (production without SMTP_URL). */
  mail: MailSettings | null;
  /** The Prometheus listener, or null when METRICS_PORT is unset (no metrics served). */
  metrics: { port: number; host: string; token: string | null } | null;
  benchTwin: boolean;
  logLevel: string;
};

export type MailSettings = {
  /** SMTP, or (outside production, without SMTP_URL) .eml files in a folder. */
  transport: { kind: 'smtp'; url: string } | { kind: 'files'; dir: string };
  from: string;
  verifyTtlMs: number;
  resetTtlMs: number;
  noticesPerHour: number;
  /** Address changes (each mails a link, or word that the address is taken) per account per hour. */
  verifyPerAccount: number;
  /** Such mail to one address per hour, whichever accounts ask. */
  verifyPerAddress: number;
  retryMaxDelayMs: number;
};

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid Gatehouse configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  // Empty variables count as unset, so `FOO=` in a .env file falls back to the default.
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => value !== '' || EMPTY_MEANS_OFF.has(key)),
  );
  const nodeEnv = nodeEnvSchema.safeParse(present.NODE_ENV).data ?? 'development';
  const parsed = envSchema(nodeEnv).safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${String(i.path[0] ?? 'environment')}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const sessionSecrets = e.SESSION_SECRET ?? [developmentSecret(DEV_SECRET_FILE)];
  const encryptionKeys = e.ENCRYPTION_KEYS ?? [developmentSecret(DEV_ENCRYPTION_KEY_FILE)];
  const appOrigin = e.APP_ORIGIN ?? `http://localhost:${e.PORT}`;
  return {
    nodeEnv: e.NODE_ENV,
    database: isPostgresUrl(e.DATABASE_URL)
      ? {
          dialect: 'postgres',
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT,
          connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT,
          ssl: e.DATABASE_SSL === 'auto' ? autoSsl(e.DATABASE_URL) : e.DATABASE_SSL,
        }
      : { dialect: 'sqlite', file: toDatabasePath(e.DATABASE_URL) },
    sessionSecrets,
    cookies: { secure: e.COOKIE_SECURE, ...cookieNames(e.COOKIE_SECURE) },
    session: {
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT * 1000,
      absoluteTimeoutMs: e.SESSION_ABSOLUTE_TIMEOUT * 1000,
    },
    user: {
      minLength: e.PASSWORD_MIN_LENGTH,
      contextWords: contextWords(e, appOrigin),
      bcryptCost: e.BCRYPT_COST,
      breachedPasswords: {
        apiUrl: e.BREACHED_PASSWORD_API || null,
        timeoutMs: e.BREACHED_PASSWORD_TIMEOUT,
        onError: e.BREACHED_PASSWORD_ON_ERROR,
      },
    },
    passwordHash: {
      threads: e.PASSWORD_HASH_THREADS,
      queueTimeoutMs: e.PASSWORD_HASH_QUEUE_TIMEOUT,
    },
    throttle: {
      accountFreeFailures: e.THROTTLE_ACCOUNT_FREE_FAILURES,
      accountMaxDelayMs: e.THROTTLE_ACCOUNT_MAX_DELAY * 1000,
      ipFailures: e.THROTTLE_IP_FAILURES,
      ipWindowMs: e.THROTTLE_IP_WINDOW * 1000,
      ipv6PrefixLength: e.THROTTLE_IPV6_PREFIX,
      registrationsPerIp: e.THROTTLE_REGISTER_PER_IP,
      registrationWindowMs: e.THROTTLE_REGISTER_WINDOW * 1000,
      resetsPerIp: e.THROTTLE_RESET_PER_IP,
      resetsPerAccount: e.THROTTLE_RESET_PER_ACCOUNT,
      resetWindowMs: RESET_WINDOW_MS,
    },
    secondFactor: {
      issuer: e.APP_NAME,
      reauthWindowMs: e.REAUTH_WINDOW * 1000,
      driftSteps: e.TOTP_DRIFT_STEPS,
      required: e.REQUIRE_SECOND_FACTOR,
      keys: encryptionKeys,
    },
    passkeys: {
      rpId: e.WEBAUTHN_RP_ID ?? new URL(appOrigin).hostname,
      rpName: e.APP_NAME,
      origins: [appOrigin],
    },
    port: e.PORT,
    host: e.HOST,
    trustProxyHops: e.TRUST_PROXY,
    allowedOrigins: e.ALLOWED_ORIGINS.map((origin) => new URL(origin).origin),
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    appName: e.APP_NAME,
    appOrigin,
    encryptionKeys,
    mail: mailSettings(e, appOrigin),
    metrics: e.METRICS_PORT
      ? { port: e.METRICS_PORT, host: e.METRICS_HOST, token: e.METRICS_TOKEN ?? null }
      : null,
    benchTwin: e.BENCH_TWIN,
    logLevel: e.LOG_LEVEL,
  };
}

type Env = z.infer<ReturnType<typeof envSchema>>;

// ASVS 6.1.2: the site's own names, which guessers try first, and any the operator adds.
function contextWords(e: Env, appOrigin: string): string[] {
  const own = [e.APP_NAME.toLowerCase(), new URL(appOrigin).hostname].filter((w) => w.length >= 3);
  return [...new Set([...e.PASSWORD_CONTEXT_WORDS, ...own])];
}

// Without SMTP_URL, development writes mail to files and production has no email features.
function mailSettings(e: Env, appOrigin: string): MailSettings | null {
  if (!e.SMTP_URL && e.NODE_ENV === 'production') return null;
  return {
    transport: e.SMTP_URL ? { kind: 'smtp', url: e.SMTP_URL } : { kind: 'files', dir: MAIL_DIR },
    from: e.MAIL_FROM ?? `${e.APP_NAME} <no-reply@${new URL(appOrigin).hostname}>`,
    verifyTtlMs: e.EMAIL_VERIFY_TTL * 1000,
    resetTtlMs: e.PASSWORD_RESET_TTL * 1000,
    noticesPerHour: e.NOTICES_PER_HOUR,
    verifyPerAccount: e.THROTTLE_VERIFY_MAIL_PER_ACCOUNT,
    verifyPerAddress: e.THROTTLE_VERIFY_MAIL_PER_ADDRESS,
    retryMaxDelayMs: e.MAIL_RETRY_MAX_DELAY * 1000,
  };
}

function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

// Encrypted and verified unless the database is on this machine: a safe default that still lets
// a fresh clone talk to a local PostgreSQL without certificates.
function autoSsl(url: string): 'disable' | 'verify-full' {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === '' || host === 'localhost' || host === '::1' || host.startsWith('127.')
    ? 'disable'
    : 'verify-full';
}

function toDatabasePath(url: string): string {
  if (url === ':memory:') return url;
  const file = url.startsWith('file:') ? url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : url;
  return path.resolve(/*turbopackIgnore: true*/ process.cwd(), file);
}

// Outside production a random secret is made once and kept in the git-ignored data folder,
// so a fresh clone runs without setup and sessions (and sealed data) survive restarts.
function developmentSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      // Another process wrote it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

let cached: Config | undefined;

/** The process's configuration; throws ConfigError naming every bad variable. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Every environment variable Gatehouse reads (docs/configuration.md lists the same). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema('development').shape);
