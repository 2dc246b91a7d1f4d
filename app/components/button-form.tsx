'use client';

import { useActionState } from 'react';

/** Every Gatehouse action takes (previousState, formData): the one shape the proxy lets through. */
export type FormAction<State> = (previous: State, formData: FormData) => Promise<State>;

/** A form that is only a button (and hidden fields): ending a session, say. */
export function ButtonForm({
  action,
  fields = {},
  label,
}: {
  action: FormAction<null>;
  fields?: Record<string, string>;
  label: string;
}) {
  const [, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction}>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <button type="submit" className="button-quiet" disabled={pending}>
        {label}
      </button>
    </form>
  );
}
