import pino, { type Logger } from 'pino';
import { getConfig } from './config';

let logger: Logger | undefined;
let destinationFd = 1;

/** Sends log lines to stderr instead of stdout (the command line keeps stdout for its answers). */
export function logToStderr(): void {
  destinationFd = 2;
}

/** Structured JSON lines on stdout. Callers pass chosen fields only: never passwords or tokens. */
export function getLogger(): Logger {
  logger ??= pino(
    { level: getConfig().logLevel, base: { app: 'gatehouse' } },
    pino.destination({ fd: destinationFd, sync: true }),
  );
  return logger;
}
