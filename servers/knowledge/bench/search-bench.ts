/**
 * Knowledge search benchmark: ingestion throughput (documents/second through the real ingestion
 * path: parse, chunk, hash, one transaction per document) and full-text search latency p50/p95/p99
 * over a generated corpus of ~100k chunks, on the PostgreSQL at DATABASE_URL (a throwaway database
 * is created and dropped). A benchmark, not a test: it reports figures and never fails on them.
 *
 *   node --conditions=@mcp-platform/source servers/knowledge/bench/search-bench.ts
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { seededRandom as seeded } from '@mcp-platform/server-kit';
import pg from 'pg';
import { generateCorpus } from '../src/corpus/index.ts';
import { migrate } from '../src/index/migrate.ts';
import { textSearch } from '../src/index/search.ts';
import type { IncomingDocument } from '../src/index/types.ts';
import { openKnowledgeBase } from '../src/knowledge-base.ts';
import { ingestAll, type SourceItem } from '../src/sources/source.ts';

export interface SearchBenchOptions {
  databaseUrl: string;
  /** Chunks to index (each generated document has 5). */
  chunks?: number;
  /** Documents whose ingestion is timed (the rest of the corpus is loaded the same way, untimed). */
  timedDocuments?: number;
  /** Search queries measured (after a warm-up). */
  queries?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface SearchBenchResult {
  chunks: number;
  documents: number;
  ingestion: { documents: number; seconds: number; documentsPerSecond: number; concurrency: number };
  search: { queries: number; p50Ms: number; p95Ms: number; p99Ms: number; meanHits: number };
  targets: { searchP95Ms: number; ingestionDocumentsPerSecond: number };
  met: { search: boolean; ingestion: boolean };
  /** 1-minute load average at the start and end (the machine is shared: read the figures with it). */
  loadAverage: { start: number; end: number };
}

const CHUNKS_PER_DOC = 5;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Vocabulary with realistic frequencies: the words of the demo corpus, sampled with a Zipf-like law. */
export function vocabulary(): string[] {
  const counts = new Map<string, number>();
  for (const doc of generateCorpus(new Date('2026-01-01T00:00:00Z'))) {
    for (const word of doc.markdown.toLowerCase().match(/[a-z][a-z-]{2,}/g) ?? [])
      counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([w]) => w);
}

export function benchDocuments(count: number, words: readonly string[]): IncomingDocument[] {
  const random = seeded(4242);
  const zipf = () => words[Math.min(words.length - 1, Math.floor(words.length ** random.next()) - 1)]!;
  const sentence = (n: number) => Array.from({ length: n }, zipf).join(' ');
  const spaces = ['OPS', 'IT', 'PROC', 'HR', 'ENG', 'SEC'];
  const docs: IncomingDocument[] = [];
  for (let i = 0; i < count; i++) {
    const sections = Array.from(
      { length: CHUNKS_PER_DOC },
      (_, s) => `## ${sentence(3)} ${s}\n\n${sentence(60)}. ${sentence(60)}.`,
    );
    docs.push({
      source: 'folder',
      sourceKey: `bench/${i}.md`,
      space: { key: spaces[i % spaces.length]! },
      tags: [zipf(), zipf()].map((t) => t.replace(/[^a-z0-9-]/g, '')).filter(Boolean),
      updatedAt: new Date(Date.UTC(2025, 0, 1) + random.int(0, 600) * 86_400_000),
      contentType: 'markdown',
      content: `# ${sentence(4)} ${i}\n\n${sections.join('\n\n')}\n`,
    });
  }
  return docs;
}

export function benchQueries(
  count: number,
  words: readonly string[],
): Array<{ query: string; spaces?: string[] }> {
  const random = seeded(777);
  const head = words.slice(0, 2000);
  const pick = () => head[Math.min(head.length - 1, Math.floor(head.length ** random.next()) - 1)]!;
  return Array.from({ length: count }, (_, i) => {
    const n = random.int(1, 3);
    const query = Array.from({ length: n }, pick).join(' ');
    return i % 4 === 0 ? { query, spaces: ['OPS', 'IT'] } : { query };
  });
}

export async function runSearchBench(options: SearchBenchOptions): Promise<SearchBenchResult> {
  const log = options.log ?? (() => {});
  const chunks = options.chunks ?? 100_000;
  const documents = Math.ceil(chunks / CHUNKS_PER_DOC);
  const timed = Math.min(options.timedDocuments ?? 3000, documents);
  const concurrency = options.concurrency ?? 4;
  const loadAtStart = loadavg()[0]!;
  const name = `knowledge_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: options.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(options.databaseUrl);
  url.pathname = `/${name}`;
  try {
    await migrate(url.toString());
    const kb = await openKnowledgeBase({ databaseUrl: url.toString(), maxConnections: 8 });
    try {
      const words = vocabulary();
      const docs = benchDocuments(documents, words);
      const items = (from: number, to: number): SourceItem[] =>
        docs.slice(from, to).map((doc) => ({ kind: 'document', doc }));

      log(`ingesting ${timed} documents (timed, concurrency ${concurrency})…`);
      const started = performance.now();
      const outcomes = await ingestAll(kb.indexer, items(0, timed), { concurrency });
      const seconds = (performance.now() - started) / 1000;
      const failed = outcomes.filter((o) => o.status === 'failed');
      if (failed.length > 0) throw new Error(`bench ingestion failed: ${JSON.stringify(failed[0])}`);
      log(`loading the remaining ${documents - timed} documents…`);
      for (let from = timed; from < documents; from += 2000) {
        await ingestAll(kb.indexer, items(from, Math.min(documents, from + 2000)), { concurrency: 8 });
      }
      await kb.pool.query('VACUUM ANALYZE kb_chunks');
      await kb.pool.query('VACUUM ANALYZE kb_documents');
      const { rows } = await kb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM kb_chunks');
      const indexed = rows[0]!.n;

      const queries = benchQueries(options.queries ?? 500, words);
      log(`searching: ${queries.length} queries over ${indexed} chunks…`);
      for (const q of queries.slice(0, 30))
        await textSearch(kb.pool, { query: q.query, filters: { spaces: q.spaces }, offset: 0, limit: 10 });
      const latencies: number[] = [];
      let hits = 0;
      for (const q of queries) {
        const t0 = performance.now();
        const page = await textSearch(kb.pool, {
          query: q.query,
          filters: { spaces: q.spaces },
          offset: 0,
          limit: 10,
        });
        latencies.push(performance.now() - t0);
        hits += page.hits.length;
      }
      latencies.sort((a, b) => a - b);
      const round = (ms: number) => Math.round(ms * 100) / 100;
      const search = {
        queries: queries.length,
        p50Ms: round(percentile(latencies, 50)),
        p95Ms: round(percentile(latencies, 95)),
        p99Ms: round(percentile(latencies, 99)),
        meanHits: Math.round((hits / queries.length) * 10) / 10,
      };
      const documentsPerSecond = Math.round(timed / seconds);
      return {
        chunks: indexed,
        documents,
        ingestion: {
          documents: timed,
          seconds: Math.round(seconds * 100) / 100,
          documentsPerSecond,
          concurrency,
        },
        search,
        targets: { searchP95Ms: 50, ingestionDocumentsPerSecond: 200 },
        met: { search: search.p95Ms < 50, ingestion: documentsPerSecond >= 200 },
        loadAverage: {
          start: Math.round(loadAtStart * 100) / 100,
          end: Math.round(loadavg()[0]! * 100) / 100,
        },
      };
    } finally {
      await kb.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined) {
    process.stderr.write('SKIPPED knowledge search bench: set DATABASE_URL (PostgreSQL 15+) to run it\n');
  } else {
    const result = await runSearchBench({
      databaseUrl,
      chunks: Number(process.env.BENCH_KB_CHUNKS ?? 100_000),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
