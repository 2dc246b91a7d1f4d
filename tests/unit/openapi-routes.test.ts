import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, test, vi } from 'vitest';

// server-only refuses to load outside React's server build; the document itself is plain data.
vi.mock('server-only', () => ({}));
const { createOpenApiDocument } = await import('@/lib/web/openapi');

const API = join(process.cwd(), 'app', 'api');
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? routeFiles(join(dir, entry.name))
      : entry.name === 'route.ts'
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Every "METHOD /path" the route handlers under app/api answer, in OpenAPI's path syntax. */
function servedOperations(): string[] {
  return routeFiles(API).flatMap((file) => {
    const path =
      '/api/' +
      relative(API, file)
        .split(sep)
        .slice(0, -1)
        .map((part) => part.replace(/^\[(\w+)\]$/, '{$1}'))
        .join('/');
    const source = readFileSync(file, 'utf8');
    return METHODS.filter((method) =>
      new RegExp(`^export (const|async function|function) ${method}\\b`, 'm').test(source),
    ).map((method) => `${method} ${path}`);
  });
}

describe('the OpenAPI document', () => {
  test('describes exactly the operations the route handlers answer, nothing missing or extra', () => {
    const document = createOpenApiDocument();
    const described = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
      METHODS.filter((method) => method.toLowerCase() in (item ?? {})).map(
        (method) => `${method} ${path}`,
      ),
    );
    // The document describes itself only by being served: its own route is not an operation.
    const served = servedOperations().filter((operation) => operation !== 'GET /api/openapi.json');
    expect(described.sort()).toEqual(served.sort());
    expect(served.length).toBeGreaterThan(20);
  });
});
