import { ConfigError } from '@/lib/config';

/** Runs a one-shot command: prints its result, or a readable error and exit code 1. */
export function runScript(task: () => string): void {
  try {
    console.log(task());
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Failed: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
