import Link from 'next/link';

export default function NotFound() {
  return (
    <section className="space-y-4">
      <h1 className="text-2xl font-bold">Page not found</h1>
      <p>There is nothing at this address.</p>
      <Link href="/" className="text-indigo-700 underline">
        Back to the home page
      </Link>
    </section>
  );
}
