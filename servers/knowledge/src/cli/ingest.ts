import { readdir } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyBaseLogger } from 'fastify';
import { ingestDemoCorpus, openIndex } from '../app.ts';
import { syncConfluence } from '../backends/confluence.ts';
import { confluenceSettings, type KnowledgeConfig } from '../config.ts';
import { type IngestSummary, summarise } from '../index/ingest.ts';
import { folderSource } from '../sources/folder.ts';
import { ingestAll } from '../sources/source.ts';
import { formatSummary, progressBar } from './progress.ts';

const USAGE = `Usage:
  ingest <folder> [--space KEY] [--concurrency N]   Markdown, HTML and text files under <folder>
  ingest confluence [--full]                        the spaces in CONFLUENCE_SPACES (incremental unless --full)
  ingest demo                                       the built-in demo corpus
Connects as INGEST_DATABASE_URL (else DATABASE_URL). Exit code 0: all ingested, 2: some documents failed.`;

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && !entry.name.startsWith('.')) n++;
  }
  return n;
}

/**
 * The `ingest` subcommand. Relative folders resolve against the directory the user ran pnpm from
 * (INIT_CWD), not the package directory pnpm switches to. Returns the process exit code.
 */
export async function runIngestCli(
  argv: readonly string[],
  config: KnowledgeConfig,
  databaseUrl: string,
  log: FastifyBaseLogger,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream; cwd: string } = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.env.INIT_CWD ?? process.cwd(),
  },
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        space: { type: 'string' },
        concurrency: { type: 'string' },
        full: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const target = parsed.positionals[0];
  if (parsed.values.help || target === undefined) {
    io.stderr.write(`${USAGE}\n`);
    return target === undefined && !parsed.values.help ? 64 : 0;
  }
  const kb = await openIndex({ config, databaseUrl, migrate: false, log });
  const started = performance.now();
  let summary: IngestSummary;
  try {
    if (target === 'demo') {
      summary = await ingestDemoCorpus(kb);
    } else if (target === 'confluence') {
      const settings = confluenceSettings(config);
      if (settings === undefined) {
        io.stderr.write(
          'CONFLUENCE_BASE_URL is not set: configure CONFLUENCE_BASE_URL, CONFLUENCE_TOKEN and CONFLUENCE_SPACES\n',
        );
        return 78;
      }
      const bar = progressBar(io.stderr, undefined, 'confluence');
      const results = await syncConfluence(kb, settings, {
        full: parsed.values.full === true,
        onProgress: (d, o) => bar.update(d, o),
      });
      bar.finish();
      for (const r of results)
        io.stdout.write(`space ${r.space} (${r.mode}): ${formatSummary(r.summary, 0).split('\n')[0]}\n`);
      summary = results.reduce<IngestSummary>(
        (acc, r) => ({
          added: acc.added + r.summary.added,
          updated: acc.updated + r.summary.updated,
          unchanged: acc.unchanged + r.summary.unchanged,
          failed: acc.failed + r.summary.failed,
          failures: [...acc.failures, ...r.summary.failures],
        }),
        { added: 0, updated: 0, unchanged: 0, failed: 0, failures: [] },
      );
    } else {
      const folder = isAbsolute(target) ? target : resolve(io.cwd, target);
      const concurrency = Number(parsed.values.concurrency ?? 4);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
        io.stderr.write('--concurrency must be an integer 1-32\n');
        return 64;
      }
      let total: number;
      try {
        total = await countFiles(folder);
      } catch {
        io.stderr.write(`Cannot read the folder ${folder}: check the path\n`);
        return 66;
      }
      const bar = progressBar(io.stderr, total, 'ingest');
      const outcomes = await ingestAll(
        kb.indexer,
        folderSource(folder, { space: parsed.values.space, maxBytes: config.MAX_DOCUMENT_BYTES }),
        { concurrency, onProgress: (d, o) => bar.update(d, o) },
      );
      bar.finish();
      summary = summarise(outcomes);
    }
  } finally {
    await kb.close();
  }
  io.stdout.write(`${formatSummary(summary, (performance.now() - started) / 1000)}\n`);
  return summary.failed > 0 ? 2 : 0;
}
