'use client';

import { useState, type FormEvent } from 'react';
import { MAX_FORM_BODY_BYTES } from '@/lib/http/form-post';

export const FORM_TOO_LARGE =
  'That is more than this form can take. Shorten what you typed and try again.';

// Each field's share of a multipart body besides its name and value: boundary and part headers.
const PART_OVERHEAD_BYTES = 100;

/**
 * Stops a form whose fields would exceed what the proxy accepts (lib/http/form-post.ts) and says
 * so in the form. Without JavaScript the proxy's own 413 page says it instead.
 */
export function useFormGuard(): {
  guardError: string | undefined;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
} {
  const [guardError, setGuardError] = useState<string>();
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    let size = 0;
    for (const [name, value] of new FormData(event.currentTarget)) {
      size += PART_OVERHEAD_BYTES + new Blob([name, value]).size;
    }
    if (size <= MAX_FORM_BODY_BYTES) return setGuardError(undefined);
    event.preventDefault();
    setGuardError(FORM_TOO_LARGE);
  };
  return { guardError, onSubmit };
}
