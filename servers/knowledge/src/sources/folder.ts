import { lstat, open, readdir } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import type { ContentType } from '../index/types.ts';
import type { SourceItem } from './source.ts';

const TYPES: Record<string, ContentType> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
};

export interface FolderOptions {
  /** Space key for every document (default: the first sub-folder name, or the folder's own name). */
  space?: string | undefined;
  /** Refuse files above this size without reading them. */
  maxBytes: number;
}

function spaceKeyOf(name: string): string {
  const key = name
    .toUpperCase()
    .replace(/[^A-Z0-9_.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return key === '' ? 'GENERAL' : key.slice(0, 64);
}

/**
 * Every Markdown, HTML and text file under `root` (recursively, in sorted order; hidden entries and
 * symbolic links are skipped so a link cannot pull in files from outside the folder). Files of other
 * types are reported as refused, not silently dropped.
 */
export async function* folderSource(root: string, options: FolderOptions): AsyncGenerator<SourceItem> {
  const rootName = basename(root.replace(/[/\\]+$/, ''));
  async function* walk(dir: string): AsyncGenerator<SourceItem> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* walk(path);
        continue;
      }
      if (!entry.isFile()) continue;
      const rel = relative(root, path).split(sep).join('/');
      const type = TYPES[extname(entry.name).toLowerCase()];
      if (type === undefined) {
        yield {
          kind: 'rejected',
          sourceKey: `folder:${rel}`,
          code: 'UNSUPPORTED_TYPE',
          message: `Unsupported file type "${extname(entry.name) || '(none)'}": use .md, .html or .txt`,
        };
        continue;
      }
      const stat = await lstat(path);
      if (stat.size > options.maxBytes) {
        yield {
          kind: 'rejected',
          sourceKey: `folder:${rel}`,
          code: 'TOO_LARGE',
          message: `The file is ${stat.size} bytes; the limit is ${options.maxBytes} (MAX_DOCUMENT_BYTES): split it into smaller documents`,
        };
        continue;
      }
      const handle = await open(path, 'r');
      let content: Buffer;
      try {
        content = await handle.readFile();
      } finally {
        await handle.close();
      }
      const segments = rel.split('/');
      const space = options.space ?? (segments.length > 1 ? segments[0]! : rootName);
      yield {
        kind: 'document',
        doc: {
          source: 'folder',
          sourceKey: rel,
          space: { key: spaceKeyOf(space) },
          contentType: type,
          content,
          updatedAt: stat.mtime,
        },
      };
    }
  }
  yield* walk(root);
}
