// A page that needs nothing: no script, no stylesheet, no database. For the answers Gatehouse
// gives before (or instead of) Next.js rendering anything, which must read the same with or
// without JavaScript.

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** A complete HTML document: a heading, paragraphs of text, and an optional link onward. */
export function plainPage(
  title: string,
  paragraphs: string[],
  link?: { href: string; text: string },
): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const onward = link
    ? `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title><link rel="icon" href="data:,"></head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}${onward}
</main>
</body>
</html>
`;
}
