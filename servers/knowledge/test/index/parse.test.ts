import { describe, expect, it } from 'vitest';
import { chunkSections } from '../../src/index/chunk.ts';
import { parseHtml } from '../../src/index/html.ts';
import { parseMarkdown, parsePlainText } from '../../src/index/markdown.ts';

describe('parseMarkdown', () => {
  it('keeps the heading path of every section and ignores headings inside fenced code', () => {
    const parsed = parseMarkdown(
      '---\ntitle: Front title\ntags: [a, "b c"]\n---\n# Big title\n\nIntro.\n\n## Steps\n\nDo this.\n\n```sh\n# not a heading\n```\n\n### Sub step\n\nDetail.\n\nSetext\n------\n\nUnder setext.\n',
    );
    expect(parsed.title).toBe('Front title');
    expect(parsed.meta).toEqual({ title: 'Front title', tags: ['a', 'b c'] });
    expect(parsed.sections.map((s) => [s.headings, s.text])).toEqual([
      [['Big title'], 'Intro.'],
      [['Big title', 'Steps'], 'Do this.\n\n```sh\n# not a heading\n```'],
      [['Big title', 'Steps', 'Sub step'], 'Detail.'],
      [['Big title', 'Setext'], 'Under setext.'],
    ]);
  });

  it('takes the first level-1 heading as title and strips inline markup from headings', () => {
    const parsed = parseMarkdown('# The **real** [title](http://x)\n\ntext');
    expect(parsed.title).toBe('The real title');
  });
});

describe('parseHtml', () => {
  it('converts Confluence storage format to text with headings, lists, tables, code macros and page links', () => {
    const storage = `<h1>Runbook</h1><p>Intro &amp; scope.</p>
      <h2>Steps</h2><ol><li>Scale out</li><li>Check <ac:link><ri:page ri:content-title="DB runbook" /></ac:link></li></ol>
      <ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter>
      <ac:plain-text-body><![CDATA[kubectl get pods]]></ac:plain-text-body></ac:structured-macro>
      <table><tr><th>Alert</th><th>Action</th></tr><tr><td>p99</td><td>page</td></tr></table>
      <script>alert('x')</script><style>p{}</style>`;
    const parsed = parseHtml(storage);
    expect(parsed.title).toBe('Runbook');
    expect(parsed.sections[0]).toEqual({ headings: ['Runbook'], text: 'Intro & scope.' });
    const steps = parsed.sections[1]!;
    expect(steps.headings).toEqual(['Runbook', 'Steps']);
    expect(steps.text).toContain('- Scale out');
    expect(steps.text).toContain('- Check DB runbook');
    expect(steps.text).toContain('kubectl get pods');
    expect(steps.text).toContain('Alert | Action');
    expect(steps.text).toContain('p99 | page');
    expect(steps.text).not.toContain('bash');
    expect(steps.text).not.toContain('alert(');
  });

  it('uses <title> when there is no h1', () => {
    expect(parseHtml('<html><head><title>Page T</title></head><body><p>x</p></body></html>').title).toBe(
      'Page T',
    );
  });
});

describe('parsePlainText', () => {
  it('treats underlined and ALL-CAPS lines as headings', () => {
    const parsed = parsePlainText('TRAVEL POLICY\n\nBook early.\n\nFlights\n=======\nEconomy only.\n');
    expect(parsed.title).toBe('TRAVEL POLICY');
    expect(parsed.sections).toEqual([
      { headings: ['TRAVEL POLICY'], text: 'Book early.' },
      { headings: ['Flights'], text: 'Economy only.' },
    ]);
  });
});

describe('chunkSections', () => {
  it('never spans two sections, respects the size limit and gives unique anchors', () => {
    const long = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} ${'word '.repeat(20).trim()}`).join(
      '\n\n',
    );
    const chunks = chunkSections(
      [
        { headings: ['Doc', 'Steps'], text: long },
        { headings: ['Doc', 'Other', 'Steps'], text: 'short' },
        { headings: ['Doc'], text: 'intro' },
      ],
      'Doc',
      { maxChars: 400 },
    );
    expect(chunks.every((c) => c.body.length <= 400)).toBe(true);
    const steps = chunks.filter((c) => c.section === 'Steps');
    expect(steps.length).toBeGreaterThan(3);
    expect(new Set(steps.map((c) => c.anchor))).toEqual(new Set(['steps']));
    expect(chunks.find((c) => c.section === 'Other > Steps')?.anchor).toBe('steps-2');
    expect(chunks.at(-1)).toMatchObject({ section: 'Doc', anchor: 'top', body: 'intro' });
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
    expect(steps.map((c) => c.body).join('\n\n')).toBe(long);
  });

  it('splits a single over-long paragraph without losing text', () => {
    const text = 'Sentence number one is here. '.repeat(100).trim();
    const chunks = chunkSections([{ headings: [], text }], 'T', { maxChars: 300 });
    expect(chunks.length).toBeGreaterThan(5);
    expect(
      chunks
        .map((c) => c.body)
        .join(' ')
        .replace(/\s+/g, ' '),
    ).toBe(text);
  });
});
