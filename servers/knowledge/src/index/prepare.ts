import { createHash } from 'node:crypto';
import { DocumentRejectedError } from '../errors.ts';
import { chunkSections, slugify } from './chunk.ts';
import { parseHtml } from './html.ts';
import { parseMarkdown, parsePlainText } from './markdown.ts';
import type { IncomingDocument, ParsedContent, PreparedDocument } from './types.ts';

export interface PrepareLimits {
  /** Largest accepted document, in bytes. */
  maxDocumentBytes: number;
  /** Largest chunk body, in characters. */
  maxChunkChars: number;
  /** Most chunks one document may produce. */
  maxChunks: number;
}

export const DEFAULT_LIMITS: PrepareLimits = {
  maxDocumentBytes: 5 * 1024 * 1024,
  maxChunkChars: 1200,
  maxChunks: 2000,
};

const MAGIC: ReadonlyArray<[string, number[]]> = [
  ['PDF', [0x25, 0x50, 0x44, 0x46]],
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['ZIP/Office', [0x50, 0x4b, 0x03, 0x04]],
  ['gzip', [0x1f, 0x8b]],
  ['ELF', [0x7f, 0x45, 0x4c, 0x46]],
];
const SPACE_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TAG = /^[a-z0-9][a-z0-9_.:/-]{0,63}$/;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Bytes → text, refusing binary files, UTF-16 and invalid UTF-8 with a reason that says what to do. */
export function decodeText(content: Uint8Array | string, limits: PrepareLimits): string {
  if (typeof content === 'string') {
    if (Buffer.byteLength(content, 'utf8') > limits.maxDocumentBytes)
      throw tooLarge(Buffer.byteLength(content, 'utf8'), limits);
    if (content.includes('\u0000'))
      throw new DocumentRejectedError(
        'BINARY',
        'The document contains NUL characters: it is binary, not text',
      );
    return content.replace(/^\uFEFF/, '');
  }
  if (content.byteLength === 0) throw new DocumentRejectedError('EMPTY', 'The document is empty (0 bytes)');
  if (content.byteLength > limits.maxDocumentBytes) throw tooLarge(content.byteLength, limits);
  for (const [kind, magic] of MAGIC) {
    if (magic.every((byte, i) => content[i] === byte)) {
      throw new DocumentRejectedError(
        'BINARY',
        `The document is a ${kind} file, not text: export it to Markdown, HTML or plain text`,
      );
    }
  }
  if ((content[0] === 0xff && content[1] === 0xfe) || (content[0] === 0xfe && content[1] === 0xff)) {
    throw new DocumentRejectedError(
      'INVALID_ENCODING',
      'The document is UTF-16 encoded: convert it to UTF-8',
    );
  }
  const sample = content.subarray(0, 8192);
  let control = 0;
  for (const byte of sample) {
    if (byte === 0)
      throw new DocumentRejectedError('BINARY', 'The document contains NUL bytes: it is binary, not text');
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) control++;
  }
  if (control > sample.length * 0.05) {
    throw new DocumentRejectedError(
      'BINARY',
      'The document is mostly control characters: it is binary, not text',
    );
  }
  try {
    return utf8.decode(content);
  } catch (cause) {
    throw new DocumentRejectedError(
      'INVALID_ENCODING',
      'The document is not valid UTF-8: re-save it as UTF-8',
      { cause },
    );
  }
}

function tooLarge(bytes: number, limits: PrepareLimits): DocumentRejectedError {
  return new DocumentRejectedError(
    'TOO_LARGE',
    `The document is ${bytes} bytes; the limit is ${limits.maxDocumentBytes} (MAX_DOCUMENT_BYTES): split it into smaller documents`,
  );
}

export function parseContent(doc: IncomingDocument, text: string): ParsedContent {
  switch (doc.contentType) {
    case 'markdown':
      return parseMarkdown(text);
    case 'html':
      return parseHtml(text);
    case 'text':
      return parsePlainText(text);
  }
}

/** A stable document id: readable slug of the source key's last two segments plus a hash of the full key. */
export function documentId(sourceKey: string): string {
  const segments = sourceKey
    .replace(/^[a-z]+:/, '')
    .split(/[/\\:]/)
    .filter(Boolean);
  const tail = segments
    .slice(-2)
    .join('-')
    .replace(/\.(md|markdown|html?|txt|text)$/i, '');
  const base = slugify(tail === '' ? 'document' : tail, 48);
  const hash = createHash('sha256').update(sourceKey).digest('hex').slice(0, 8);
  return `${base}-${hash}`;
}

function metaString(value: string | string[] | undefined): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

function metaList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter(Boolean);
}

function titleFromKey(sourceKey: string): string {
  const last =
    sourceKey
      .split(/[/\\:]/)
      .filter(Boolean)
      .pop() ?? 'Untitled';
  const words = last
    .replace(/\.[a-z]+$/i, '')
    .replace(/[-_]+/g, ' ')
    .trim();
  return words === '' ? 'Untitled' : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Validates and prepares one document: decodes, parses, resolves metadata (front matter wins over
 * the source's defaults except for the title a source states explicitly), chunks, and hashes
 * everything that would change what search returns.
 */
export function prepareDocument(
  doc: IncomingDocument,
  limits: PrepareLimits = DEFAULT_LIMITS,
): PreparedDocument {
  const text = decodeText(doc.content, limits);
  if (text.trim() === '')
    throw new DocumentRejectedError('EMPTY', 'The document has no text (only whitespace)');
  const parsed = parseContent(doc, text);
  const meta = parsed.meta;
  const title = (
    doc.title?.trim() ||
    metaString(meta.title) ||
    parsed.title ||
    titleFromKey(doc.sourceKey)
  ).slice(0, 300);
  const spaceKey = metaString(meta.space) ?? doc.space.key;
  if (!SPACE_KEY.test(spaceKey)) {
    throw new DocumentRejectedError(
      'INVALID_METADATA',
      `Space key "${spaceKey.slice(0, 80)}" is invalid: use 1-64 letters, digits, '_', '.' or '-'`,
    );
  }
  const tags = [
    ...new Set(
      [...(doc.tags ?? []), ...metaList(meta.tags)].map((t) => t.toLowerCase().replace(/\s+/g, '-')),
    ),
  ]
    .filter((t) => TAG.test(t))
    .sort();
  const url = metaString(meta.url) ?? doc.url;
  if (url !== undefined && !/^https?:\/\//i.test(url)) {
    throw new DocumentRejectedError(
      'INVALID_METADATA',
      `Source URL "${url.slice(0, 80)}" must be an absolute http(s) URL`,
    );
  }
  const updatedRaw = metaString(meta.updated);
  const updatedAt =
    updatedRaw !== undefined && !Number.isNaN(Date.parse(updatedRaw))
      ? new Date(updatedRaw)
      : (doc.updatedAt ?? new Date());
  const chunks = chunkSections(parsed.sections, title, { maxChars: limits.maxChunkChars });
  if (chunks.length === 0)
    throw new DocumentRejectedError('NO_TEXT', 'The document has no readable text after conversion');
  if (chunks.length > limits.maxChunks) {
    throw new DocumentRejectedError(
      'TOO_MANY_CHUNKS',
      `The document produces ${chunks.length} chunks; the limit is ${limits.maxChunks}: split it`,
    );
  }
  const charCount = chunks.reduce((n, c) => n + c.body.length, 0);
  const contentHash = createHash('sha256')
    .update(
      JSON.stringify([title, spaceKey, tags, url ?? null, doc.contentType, doc.version ?? null, chunks]),
    )
    .digest('hex');
  return {
    id: documentId(`${doc.source}:${doc.sourceKey}`),
    source: doc.source,
    sourceKey: `${doc.source}:${doc.sourceKey}`,
    spaceKey,
    spaceName: doc.space.name?.trim() || spaceKey,
    title,
    url: url ?? null,
    tags,
    updatedAt,
    version: doc.version,
    contentType: doc.contentType,
    contentHash,
    charCount,
    chunks,
  };
}
