import type { ParsedContent, Section } from './types.ts';

const ATX = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const ATX_EMPTY = /^ {0,3}(#{1,6})[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT_1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_2 = /^ {0,3}-+[ \t]*$/;

/** Parses `---`-delimited front matter made of `key: value` and `key: [a, b]` lines (no full YAML). */
function frontMatter(lines: string[]): { meta: Record<string, string | string[]>; bodyStart: number } {
  const meta: Record<string, string | string[]> = {};
  if (lines[0]?.trim() !== '---') return { meta, bodyStart: 0 };
  const end = lines.findIndex((line, i) => i > 0 && (line.trim() === '---' || line.trim() === '...'));
  if (end < 0 || end > 60) return { meta, bodyStart: 0 };
  for (const line of lines.slice(1, end)) {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = match[1]!.toLowerCase();
    const raw = match[2]!.trim();
    const unquote = (v: string) => v.trim().replace(/^(["'])(.*)\1$/, '$2');
    meta[key] =
      raw.startsWith('[') && raw.endsWith(']')
        ? raw
            .slice(1, -1)
            .split(',')
            .map(unquote)
            .filter((v) => v !== '')
        : unquote(raw);
  }
  return { meta, bodyStart: end + 1 };
}

/** Strips inline Markdown from a heading so it reads as plain text in citations. */
export function plainHeading(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Heading-aware Markdown parsing: ATX (`## Title`) and setext (`Title` / `---`) headings open
 * sections; headings inside fenced code blocks do not.
 */
export function parseMarkdown(source: string): ParsedContent {
  const lines = source.split(/\r\n|\r|\n/);
  const { meta, bodyStart } = frontMatter(lines);
  const sections: Section[] = [];
  const stack: Array<{ level: number; title: string }> = [];
  let current: string[] = [];
  let title: string | undefined =
    typeof meta.title === 'string' && meta.title !== '' ? meta.title : undefined;
  let fence: string | undefined;

  const flush = () => {
    const text = current
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (text !== '') sections.push({ headings: stack.map((h) => h.title), text });
    current = [];
  };
  const open = (level: number, raw: string) => {
    flush();
    const heading = plainHeading(raw);
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    if (heading === '') return;
    if (level === 1 && title === undefined) title = heading;
    stack.push({ level, title: heading });
  };

  for (let i = bodyStart; i < lines.length; i++) {
    const line = lines[i]!;
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      current.push(line);
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length)
        fence = undefined;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      current.push(line);
      continue;
    }
    const atx = ATX.exec(line);
    if (atx) {
      open(atx[1]!.length, atx[2]!);
      continue;
    }
    if (ATX_EMPTY.test(line)) continue;
    const next = lines[i + 1];
    const paragraphLine =
      line.trim() !== '' && (current.length === 0 || current[current.length - 1]!.trim() === '');
    if (next !== undefined && paragraphLine && !/^ {0,3}([-*+]|\d+[.)])\s/.test(line)) {
      if (SETEXT_1.test(next)) {
        open(1, line);
        i++;
        continue;
      }
      if (SETEXT_2.test(next) && next.trim().length >= 3) {
        open(2, line);
        i++;
        continue;
      }
    }
    current.push(line);
  }
  flush();
  return { title, sections, meta };
}

/**
 * Plain text: a line underlined with `===`/`---`, or a short ALL-CAPS line standing alone, is a
 * heading; everything else is body text.
 */
export function parsePlainText(source: string): ParsedContent {
  const lines = source.split(/\r\n|\r|\n/);
  const sections: Section[] = [];
  let heading: string | undefined;
  let title: string | undefined;
  let current: string[] = [];
  const flush = () => {
    const text = current
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (text !== '') sections.push({ headings: heading === undefined ? [] : [heading], text });
    current = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trim();
    const prevBlank = i === 0 || lines[i - 1]!.trim() === '';
    const next = lines[i + 1];
    const underlined = next !== undefined && trimmed !== '' && /^\s*(={3,}|-{3,})\s*$/.test(next);
    const caps =
      prevBlank &&
      trimmed.length >= 3 &&
      trimmed.length <= 80 &&
      /[A-Z]{2}/.test(trimmed) &&
      trimmed === trimmed.toUpperCase() &&
      !/[.!?,;]$/.test(trimmed) &&
      (next === undefined || next.trim() === '' || /[a-z]/.test(next));
    if (underlined || caps) {
      flush();
      heading = trimmed.replace(/:$/, '');
      if (title === undefined && i < 3) title = heading;
      if (underlined) i++;
      continue;
    }
    current.push(line);
  }
  flush();
  return { title, sections, meta: {} };
}
