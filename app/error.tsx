'use client';

// Shown for any unexpected server error. Next.js sends only a digest to the browser, never the
// message or stack; the digest lets an operator find the full error in the server log.
export default function ErrorPage({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-bold">Something went wrong</h1>
      <p>
        Gatehouse could not complete the request. This is usually brief, for example while its
        database restarts: please try again in a moment.
      </p>
      {error.digest ? <p className="text-sm text-slate-600">Reference: {error.digest}</p> : null}
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
