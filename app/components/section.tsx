import type { ReactNode } from 'react';

/** A titled panel of a page, a region named by its heading. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section
      aria-labelledby={slug(title)}
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-5"
    >
      <h2 id={slug(title)} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

const slug = (title: string) => title.toLowerCase().replaceAll(' ', '-');
