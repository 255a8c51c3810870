import type { Chunk, Section } from './types.ts';

export interface ChunkOptions {
  /** Target largest chunk body, in characters. */
  maxChars: number;
}

/** URL fragment for a heading: lower-case words joined by `-`. */
export function slugify(text: string, max = 60): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return slug === '' ? 'section' : slug;
}

/** Splits an over-long paragraph at sentence ends, then at spaces, then hard. */
function splitParagraph(paragraph: string, maxChars: number): string[] {
  if (paragraph.length <= maxChars) return [paragraph];
  const parts: string[] = [];
  let rest = paragraph;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    let cut = Math.max(window.lastIndexOf('. '), window.lastIndexOf('\n'));
    if (cut < maxChars / 2) cut = window.lastIndexOf(' ');
    if (cut < maxChars / 2) cut = maxChars - 1;
    parts.push(rest.slice(0, cut + 1).trim());
    rest = rest.slice(cut + 1).trimStart();
  }
  if (rest.trim() !== '') parts.push(rest.trim());
  return parts;
}

/**
 * Cuts sections into chunks of at most `maxChars`, on paragraph boundaries where possible. A chunk
 * never spans two sections, so every chunk carries exactly one section path and anchor. The first
 * heading is dropped from the path when it repeats the document title.
 */
export function chunkSections(sections: readonly Section[], title: string, options: ChunkOptions): Chunk[] {
  const chunks: Chunk[] = [];
  const anchors = new Map<string, number>();
  let lastPath: string | undefined;
  let lastAnchor = 'top';
  for (const section of sections) {
    const headings = section.headings[0] === title ? section.headings.slice(1) : section.headings;
    const path = headings.join(' > ');
    if (path !== lastPath) {
      const base = headings.length === 0 ? 'top' : slugify(headings[headings.length - 1]!);
      const seen = anchors.get(base) ?? 0;
      anchors.set(base, seen + 1);
      lastAnchor = seen === 0 ? base : `${base}-${seen + 1}`;
      lastPath = path;
    }
    const paragraphs = section.text
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .flatMap((p) => splitParagraph(p, options.maxChars));
    let body = '';
    const push = () => {
      if (body === '') return;
      chunks.push({ ordinal: chunks.length, section: path === '' ? title : path, anchor: lastAnchor, body });
      body = '';
    };
    for (const paragraph of paragraphs) {
      if (body !== '' && body.length + 2 + paragraph.length > options.maxChars) push();
      body = body === '' ? paragraph : `${body}\n\n${paragraph}`;
    }
    push();
  }
  return chunks;
}
