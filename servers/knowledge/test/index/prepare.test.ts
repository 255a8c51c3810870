import { describe, expect, it } from 'vitest';
import { DocumentRejectedError } from '../../src/errors.ts';
import { DEFAULT_LIMITS, documentId, prepareDocument } from '../../src/index/prepare.ts';
import type { IncomingDocument } from '../../src/index/types.ts';

const doc = (content: Uint8Array | string, extra: Partial<IncomingDocument> = {}): IncomingDocument => ({
  source: 'upload',
  sourceKey: 'notes/a.md',
  space: { key: 'OPS' },
  contentType: 'markdown',
  content,
  ...extra,
});

function rejection(input: IncomingDocument, limits = DEFAULT_LIMITS): string {
  try {
    prepareDocument(input, limits);
  } catch (error) {
    if (error instanceof DocumentRejectedError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('prepareDocument refuses bad documents with a reason', () => {
  it.each([
    ['empty bytes', doc(new Uint8Array()), 'EMPTY'],
    ['whitespace only', doc(Buffer.from('  \n\t \n')), 'EMPTY'],
    ['a PDF', doc(Buffer.from('%PDF-1.7\n...')), 'BINARY'],
    ['a PNG', doc(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'BINARY'],
    ['NUL bytes', doc(Buffer.from('hello\u0000world')), 'BINARY'],
    [
      'control characters',
      doc(Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)))),
      'BINARY',
    ],
    ['invalid UTF-8', doc(Buffer.from([0x23, 0x20, 0x48, 0xc3, 0x28, 0x0a])), 'INVALID_ENCODING'],
    ['UTF-16', doc(Buffer.from('\ufeff# Title', 'utf16le')), 'INVALID_ENCODING'],
    [
      'HTML without text',
      doc(Buffer.from('<html><script>x()</script></html>'), { contentType: 'html' }),
      'NO_TEXT',
    ],
    ['a bad space key', doc('# T\n\ntext', { space: { key: 'bad key!' } }), 'INVALID_METADATA'],
    ['a non-http URL', doc('---\nurl: javascript:alert(1)\n---\n# T\n\ntext'), 'INVALID_METADATA'],
  ])('%s', (_name, input, code) => {
    expect(rejection(input)).toBe(code);
  });

  it('refuses documents above the size limit and ones producing too many chunks', () => {
    const limits = { ...DEFAULT_LIMITS, maxDocumentBytes: 1000 };
    expect(rejection(doc(Buffer.from('a'.repeat(1001))), limits)).toBe('TOO_LARGE');
    expect(rejection(doc('a'.repeat(1001)), limits)).toBe('TOO_LARGE');
    const many = Array.from({ length: 30 }, (_, i) => `## S${i}\n\ntext ${i}`).join('\n\n');
    expect(rejection(doc(many), { ...DEFAULT_LIMITS, maxChunks: 10 })).toBe('TOO_MANY_CHUNKS');
  });

  it('accepts a UTF-8 BOM and resolves metadata from front matter', () => {
    const prepared = prepareDocument(
      doc(
        Buffer.from(
          '\ufeff---\ntitle: Travel\ntags: [HR, Travel Policy]\nupdated: 2026-01-02T00:00:00Z\nspace: HR\n---\n# Ignored\n\nBook trains.',
          'utf8',
        ),
      ),
    );
    expect(prepared).toMatchObject({
      title: 'Travel',
      spaceKey: 'HR',
      tags: ['hr', 'travel-policy'],
      sourceKey: 'upload:notes/a.md',
    });
    expect(prepared.updatedAt.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('hashes content and metadata but not the update time', () => {
    const a = prepareDocument(doc('# T\n\ntext', { updatedAt: new Date(1) }));
    const b = prepareDocument(doc('# T\n\ntext', { updatedAt: new Date(2) }));
    const c = prepareDocument(doc('# T\n\ntext!', { updatedAt: new Date(1) }));
    const d = prepareDocument(doc('# T\n\ntext', { tags: ['x'] }));
    expect(a.contentHash).toBe(b.contentHash);
    expect(c.contentHash).not.toBe(a.contentHash);
    expect(d.contentHash).not.toBe(a.contentHash);
  });

  it('derives stable, readable ids that differ between sources', () => {
    expect(documentId('folder:runbooks/payment-service/latency.md')).toMatch(
      /^payment-service-latency-[0-9a-f]{8}$/,
    );
    expect(documentId('confluence:OPS/1003')).toMatch(/^ops-1003-[0-9a-f]{8}$/);
    expect(documentId('folder:a/x.md')).not.toBe(documentId('upload:a/x.md'));
    expect(documentId('folder:a/x.md')).toBe(documentId('folder:a/x.md'));
  });
});
