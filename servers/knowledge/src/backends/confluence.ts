import { ToolError } from '@mcp-platform/protocol';
import {
  basicAuth,
  bearerToken,
  createUpstreamClient,
  type UpstreamClient,
  UpstreamHttpError,
} from '@mcp-platform/server-kit';
import type pg from 'pg';
import type { ConfluenceSettings } from '../config.ts';
import { SourceError } from '../errors.ts';
import { type IngestOutcome, type IngestSummary, summarise } from '../index/ingest.ts';
import type { KnowledgeBase } from '../knowledge-base.ts';
import { ingestAll, type SourceItem } from '../sources/source.ts';

/** The parts of a Confluence content object we read (REST API v1, `expand=body.storage,version,space,metadata.labels`). */
interface ConfluencePage {
  id: string;
  type: string;
  status?: string;
  title: string;
  space?: { key: string; name?: string };
  version?: { number: number; when: string };
  body?: { storage?: { value: string; representation?: string } };
  metadata?: { labels?: { results?: Array<{ name: string }> } };
  _links?: { webui?: string; tinyui?: string };
}

interface ContentPage {
  results: ConfluencePage[];
  start?: number;
  limit?: number;
  size?: number;
  _links?: { base?: string; context?: string; next?: string };
}

const EXPAND = 'body.storage,version,space,metadata.labels';
/** CQL `lastmodified` has minute precision in the caller's time zone: look back a day and let content hashes skip repeats. */
const OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A CQL string literal: `"` and `\` escaped (space keys are validated too, this is defence in depth). */
export function cqlString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** CQL date literal `yyyy-MM-dd HH:mm` (UTC). */
export function cqlDate(date: Date): string {
  return date.toISOString().slice(0, 16).replace('T', ' ');
}

export interface ConfluenceClientOptions {
  settings: ConfluenceSettings;
  fetch?: typeof fetch;
  /** Base delay of the retry backoff, in milliseconds. */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

/**
 * Reads pages of a Confluence space over the REST API: the whole space (`/rest/api/content?spaceKey=`)
 * or, incrementally, pages modified since a time (`/rest/api/content/search?cql=lastmodified >= ...`).
 * HTTP through the kit's upstream client: `_links.next` is followed only on the configured origin (so
 * the token never leaves it), 429 and 5xx are retried with jittered backoff honouring Retry-After,
 * each request has a time limit and ends with the sync's signal.
 */
export class ConfluenceClient {
  private readonly settings: ConfluenceSettings;
  private readonly signal: AbortSignal;
  private readonly http: UpstreamClient;

  constructor(options: ConfluenceClientOptions) {
    this.settings = options.settings;
    this.signal = options.signal ?? new AbortController().signal;
    const { user, token } = options.settings;
    this.http = createUpstreamClient({
      system: 'Confluence',
      baseUrl: options.settings.baseUrl,
      auth: user === undefined ? bearerToken(token) : basicAuth(user, token),
      timeoutMs: 30_000,
      retry: { attempts: 4, baseDelayMs: options.retryDelayMs ?? 500 },
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    });
  }

  private async get<T>(url: URL): Promise<T> {
    let target: URL;
    try {
      target = this.http.resolve(url.href);
    } catch {
      throw new SourceError(
        'CONFLUENCE_BAD_LINK',
        `Confluence returned a link to another origin (${url.origin}); refusing to follow it`,
      );
    }
    try {
      return await this.http.json<T>({ operation: 'listPages', path: target.href }, { signal: this.signal });
    } catch (error) {
      throw this.sourceError(error, target);
    }
  }

  /** The kit's classified failure as the ingestion's SourceError, with what to check. */
  private sourceError(error: unknown, url: URL): unknown {
    if (this.signal.aborted || !(error instanceof ToolError)) return error;
    const status = error.cause instanceof UpstreamHttpError ? error.cause.status : undefined;
    if (status === undefined) {
      return new SourceError(
        'CONFLUENCE_UNREACHABLE',
        `Confluence could not be reached at ${url.origin}: ${error.message}`,
        {
          retryable: true,
          cause: error,
        },
      );
    }
    if (status === 401 || status === 403) {
      return new SourceError(
        'CONFLUENCE_AUTH',
        `Confluence refused the credentials (HTTP ${status}): check CONFLUENCE_USER/CONFLUENCE_TOKEN and the account's access to the space`,
      );
    }
    if (status === 404) {
      return new SourceError(
        'CONFLUENCE_NOT_FOUND',
        `Confluence answered 404 for ${url.pathname}: check CONFLUENCE_BASE_URL (Cloud needs the /wiki context path) and the space key`,
      );
    }
    return new SourceError('CONFLUENCE_FAILED', `Confluence answered HTTP ${status} for ${url.pathname}`, {
      retryable: error.retryable,
      cause: error,
    });
  }

  /** Pages of `spaceKey` (all of them, or those modified since `since`), oldest change first. */
  async *pages(spaceKey: string, since?: Date): AsyncGenerator<ConfluencePage> {
    const base = this.settings.baseUrl;
    let url: URL;
    if (since === undefined) {
      url = new URL(`${base}/rest/api/content`);
      url.searchParams.set('spaceKey', spaceKey);
      url.searchParams.set('type', 'page');
    } else {
      url = new URL(`${base}/rest/api/content/search`);
      url.searchParams.set(
        'cql',
        `space = ${cqlString(spaceKey)} AND type = page AND lastmodified >= ${cqlString(cqlDate(new Date(since.getTime() - OVERLAP_MS)))} ORDER BY lastmodified ASC`,
      );
    }
    url.searchParams.set('expand', EXPAND);
    url.searchParams.set('limit', String(this.settings.pageSize));
    url.searchParams.set('start', '0');
    for (let guard = 0; guard < 100_000; guard++) {
      const page = await this.get<ContentPage>(url);
      const results = Array.isArray(page.results) ? page.results : [];
      for (const item of results) yield item;
      const next = page._links?.next;
      if (typeof next === 'string' && next !== '') {
        // `next` is relative to the context path (`/wiki`) or, on some versions, absolute.
        const linkBase = page._links?.base ?? base;
        url = new URL(
          /^https?:\/\//.test(next)
            ? next
            : `${linkBase.replace(/\/+$/, '')}${next.startsWith('/') ? '' : '/'}${next}`,
        );
        continue;
      }
      const limit = page.limit ?? this.settings.pageSize;
      if (results.length < limit || results.length === 0) return;
      const start = (page.start ?? Number(url.searchParams.get('start') ?? 0)) + results.length;
      url = new URL(url);
      url.searchParams.set('start', String(start));
    }
  }
}

/** One Confluence page as ingestion input. */
export function pageToItem(page: ConfluencePage, spaceKey: string, baseUrl: string): SourceItem {
  const sourceKey = `${spaceKey}/${page.id}`;
  const storage = page.body?.storage?.value;
  if (typeof storage !== 'string') {
    return {
      kind: 'rejected',
      sourceKey: `confluence:${sourceKey}`,
      code: 'NO_TEXT',
      message: 'The page has no storage-format body: check that the API expands body.storage',
    };
  }
  const webui = page._links?.webui;
  return {
    kind: 'document',
    doc: {
      source: 'confluence',
      sourceKey,
      space: { key: page.space?.key ?? spaceKey, name: page.space?.name },
      title: page.title,
      url: webui === undefined ? undefined : `${baseUrl}${webui.startsWith('/') ? '' : '/'}${webui}`,
      tags: (page.metadata?.labels?.results ?? []).map((l) => l.name),
      updatedAt: page.version?.when === undefined ? undefined : new Date(page.version.when),
      version: page.version?.number,
      contentType: 'html',
      content: storage,
    },
  };
}

async function readCursor(pool: pg.Pool, space: string): Promise<Date | undefined> {
  const { rows } = await pool.query<{ cursor: string }>(
    `SELECT cursor FROM kb_sync_state WHERE source = 'confluence' AND scope = $1`,
    [space],
  );
  const value = rows[0]?.cursor;
  return value === undefined ? undefined : new Date(value);
}

async function writeCursor(pool: pg.Pool, space: string, cursor: Date): Promise<void> {
  await pool.query(
    `INSERT INTO kb_sync_state (source, scope, cursor) VALUES ('confluence', $1, $2)
     ON CONFLICT (source, scope) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = now()`,
    [space, cursor.toISOString()],
  );
}

export interface ConfluenceSyncResult {
  space: string;
  mode: 'full' | 'incremental';
  summary: IngestSummary;
}

/**
 * Syncs every configured space: a full read the first time, then only pages modified since the
 * newest change seen (the cursor is saved after a space finished, so a failed run is simply redone).
 */
export async function syncConfluence(
  kb: KnowledgeBase,
  settings: ConfluenceSettings,
  options: {
    fetch?: typeof fetch;
    signal?: AbortSignal;
    full?: boolean;
    onProgress?: (done: number, outcome: IngestOutcome) => void;
    retryDelayMs?: number;
  } = {},
): Promise<ConfluenceSyncResult[]> {
  const client = new ConfluenceClient({
    settings,
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
  });
  const results: ConfluenceSyncResult[] = [];
  for (const space of settings.spaces) {
    const since = options.full ? undefined : await readCursor(kb.ingestPool, space);
    let newest = since;
    async function* items(): AsyncGenerator<SourceItem> {
      for await (const page of client.pages(space, since)) {
        const when = page.version?.when === undefined ? undefined : new Date(page.version.when);
        if (when !== undefined && !Number.isNaN(when.getTime()) && (newest === undefined || when > newest))
          newest = when;
        yield pageToItem(page, space, settings.baseUrl);
      }
    }
    const outcomes = await ingestAll(kb.indexer, items(), {
      concurrency: 4,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const summary = summarise(outcomes);
    // Only move the cursor when every page made it in: failed pages are fetched again next time.
    if (newest !== undefined && summary.failed === 0) await writeCursor(kb.ingestPool, space, newest);
    results.push({ space, mode: since === undefined ? 'full' : 'incremental', summary });
  }
  return results;
}
