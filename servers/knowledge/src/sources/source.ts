import type { RejectionCode } from '../errors.ts';
import type { Indexer, IngestOutcome } from '../index/ingest.ts';
import type { IncomingDocument } from '../index/types.ts';

/** What a source yields: a document to ingest, or one it already refused (unreadable file, bad page). */
export type SourceItem =
  | { kind: 'document'; doc: IncomingDocument }
  | { kind: 'rejected'; sourceKey: string; code: RejectionCode; message: string };

export interface BatchOptions {
  /** Documents ingested at the same time (each in its own transaction). */
  concurrency?: number;
  /** Called after every document with the running count. */
  onProgress?: (done: number, outcome: IngestOutcome) => void;
  signal?: AbortSignal;
}

/** Ingests everything a source yields; a refused or failed document never stops the batch. */
export async function ingestAll(
  indexer: Indexer,
  items: AsyncIterable<SourceItem> | Iterable<SourceItem>,
  options: BatchOptions = {},
): Promise<IngestOutcome[]> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const outcomes: IngestOutcome[] = [];
  const running = new Set<Promise<void>>();
  const record = (outcome: IngestOutcome) => {
    outcomes.push(outcome);
    options.onProgress?.(outcomes.length, outcome);
  };
  for await (const item of items) {
    if (options.signal?.aborted) break;
    if (item.kind === 'rejected') {
      record({
        status: 'failed',
        sourceKey: item.sourceKey,
        reason: { code: item.code, message: item.message },
      });
      continue;
    }
    const task = indexer.ingest(item.doc, options.signal).then(record);
    const tracked: Promise<void> = task.finally(() => running.delete(tracked));
    running.add(tracked);
    if (running.size >= concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return outcomes;
}
