import { NextResponse } from 'next/server';
import { createOpenApiDocument } from '@/lib/web/openapi';

export function GET(): Response {
  return NextResponse.json(createOpenApiDocument());
}
