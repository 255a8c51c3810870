import { Parser } from 'htmlparser2';
import { DocumentRejectedError } from '../errors.ts';
import type { ParsedContent, Section } from './types.ts';

const HEADING = /^h([1-6])$/;
const BLOCK = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'nav',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'hr',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'ac:layout',
  'ac:layout-section',
  'ac:layout-cell',
  'ac:rich-text-body',
  'ac:plain-text-body',
  'ac:task-list',
  'ac:task',
  'ac:structured-macro',
]);
/** Elements whose content is never document text (Confluence macro parameters included). */
const SKIP = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'iframe',
  'object',
  'ac:parameter',
  'ac:image',
  'ri:attachment',
]);

/** Bounds on the parser's work: a real page nests tens of levels and holds thousands of elements. */
export interface HtmlLimits {
  maxDepth: number;
  maxElements: number;
}

export const HTML_LIMITS: HtmlLimits = Object.freeze({ maxDepth: 256, maxElements: 200_000 });

/**
 * HTML and Confluence storage format to heading-aware text: `<h1>`-`<h6>` open sections; block
 * elements become line breaks, list items `- ` lines, table cells ` | `-separated; scripts, styles
 * and macro parameters are dropped; code macro bodies (CDATA) are kept; a Confluence page link with
 * no body text becomes the linked page's title.
 */
export function parseHtml(source: string, limits: HtmlLimits = HTML_LIMITS): ParsedContent {
  // The parser's own bookkeeping grows with the open-element stack (quadratic in nesting), so the
  // bounds are enforced as it goes, before the cost can build up.
  let depth = 0;
  let elements = 0;
  const sections: Section[] = [];
  const stack: Array<{ level: number; title: string }> = [];
  let title: string | undefined;
  let documentTitle: string | undefined;
  let text = '';
  let skipDepth = 0;
  let inTitle = false;
  let titleText = '';
  let heading: { level: number; text: string } | undefined;
  let preDepth = 0;
  let cellIndex = 0;
  let linkHasText = false;
  let linkTarget: string | undefined;

  const out = (s: string) => {
    if (heading) heading.text += s;
    else text += s;
  };
  const flush = () => {
    const body = text
      .split('\n')
      .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    if (body !== '') sections.push({ headings: stack.map((h) => h.title), text: body });
    text = '';
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        depth++;
        if (++elements > limits.maxElements) {
          throw new DocumentRejectedError(
            'TOO_COMPLEX',
            `The document has more than ${limits.maxElements} HTML elements: split it`,
          );
        }
        if (depth > limits.maxDepth) {
          throw new DocumentRejectedError(
            'TOO_COMPLEX',
            `The document nests HTML elements more than ${limits.maxDepth} levels deep: flatten it`,
          );
        }
        if (skipDepth > 0 || SKIP.has(name)) {
          skipDepth++;
          return;
        }
        if (name === 'title') {
          inTitle = true;
          return;
        }
        const h = HEADING.exec(name);
        if (h) {
          flush();
          heading = { level: Number(h[1]), text: '' };
          return;
        }
        if (name === 'pre') preDepth++;
        if (name === 'br') out('\n');
        else if (name === 'li' || name === 'ac:task') out('\n- ');
        else if (name === 'tr') {
          cellIndex = 0;
          out('\n');
        } else if (name === 'td' || name === 'th') {
          if (cellIndex++ > 0) out(' | ');
        } else if (BLOCK.has(name)) out('\n\n');
        if (name === 'ac:link') {
          linkHasText = false;
          linkTarget = undefined;
        }
        if (name === 'ri:page' && attribs['ri:content-title']) linkTarget = attribs['ri:content-title'];
        if (name === 'img' && attribs.alt) out(` ${attribs.alt} `);
      },
      ontext(data) {
        if (skipDepth > 0) return;
        if (inTitle) {
          titleText += data;
          return;
        }
        if (data.trim() !== '') linkHasText = true;
        out(preDepth > 0 ? data : data.replace(/\s+/g, ' '));
      },
      onclosetag(name) {
        depth = Math.max(0, depth - 1);
        if (skipDepth > 0) {
          skipDepth--;
          return;
        }
        if (name === 'title') {
          inTitle = false;
          documentTitle = titleText.replace(/\s+/g, ' ').trim() || undefined;
          return;
        }
        const h = HEADING.exec(name);
        if (h && heading) {
          const headingText = heading.text.replace(/\s+/g, ' ').trim();
          const level = heading.level;
          heading = undefined;
          while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
          if (headingText !== '') {
            if (level === 1 && title === undefined) title = headingText;
            stack.push({ level, title: headingText });
          }
          return;
        }
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
        if (name === 'ac:link' && !linkHasText && linkTarget) out(linkTarget);
        if (BLOCK.has(name) || name === 'li') out('\n');
      },
    },
    {
      decodeEntities: true,
      lowerCaseTags: true,
      lowerCaseAttributeNames: true,
      recognizeCDATA: true,
      recognizeSelfClosing: true,
    },
  );
  parser.write(source);
  parser.end();
  flush();
  return { title: title ?? documentTitle, sections, meta: {} };
}
