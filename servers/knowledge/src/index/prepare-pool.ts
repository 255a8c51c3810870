import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DocumentRejectedError, type RejectionCode } from '../errors.ts';
import type { PrepareLimits } from './prepare.ts';
import type { IncomingDocument, PreparedDocument } from './types.ts';

export interface PreparePoolOptions {
  /** Worker threads (default: half the cores, at least 1, at most 4). */
  size?: number;
  /** Longest one document may take to decode, parse and chunk before it is refused (TOO_COMPLEX). */
  timeoutMs?: number;
}

interface Job {
  id: number;
  doc: IncomingDocument;
  limits: PrepareLimits;
  resolve: (prepared: PreparedDocument) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
}

// Source mode (node --conditions=@mcp-platform/source, vitest) runs the .ts file; the build runs .js.
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './prepare-worker.ts' : './prepare-worker.js',
  import.meta.url,
);

/**
 * Decodes, parses and chunks untrusted documents (uploads, Confluence pages) in worker threads, so a
 * hostile document can never stall the server's event loop: each document has a time budget after
 * which its worker is terminated and replaced, and the parsers bound depth and element counts.
 */
export class PreparePool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(options: PreparePoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(4, Math.floor(availableParallelism() / 2) || 1));
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Starts the workers now, so the first document does not pay (or make the server wait for) their start-up. */
  warm(): void {
    while (!this.closed && this.slots.length < this.size) this.spawn();
  }

  prepare(doc: IncomingDocument, limits: PrepareLimits): Promise<PreparedDocument> {
    if (this.closed) return Promise.reject(new Error('the document preparation pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.nextId, doc, limits, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the document preparation pool closed'));
    await Promise.all(this.slots.splice(0).map((slot) => this.retire(slot)));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === undefined);
      if (slot === undefined && this.slots.length < this.size) slot = this.spawn();
      if (slot === undefined) return;
      const job = this.queue.shift() as Job;
      this.run(slot, job);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL, {
      execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
    });
    const slot: Slot = { worker, job: undefined, timer: undefined };
    worker.unref();
    worker.on(
      'message',
      (message: {
        id: number;
        prepared?: PreparedDocument;
        error?: { code?: RejectionCode; message: string };
      }) => {
        const job = slot.job;
        if (job === undefined || job.id !== message.id) return;
        this.finish(slot);
        if (message.error === undefined) job.resolve(message.prepared as PreparedDocument);
        else if (message.error.code !== undefined)
          job.reject(new DocumentRejectedError(message.error.code, message.error.message));
        else job.reject(new Error(message.error.message));
      },
    );
    worker.on('error', (error) => {
      const job = slot.job;
      this.drop(slot);
      job?.reject(error);
    });
    worker.on('exit', () => {
      const job = slot.job;
      this.drop(slot);
      job?.reject(new Error('the document preparation worker exited'));
    });
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    slot.timer = setTimeout(() => {
      this.drop(slot);
      void slot.worker.terminate();
      job.reject(
        new DocumentRejectedError(
          'TOO_COMPLEX',
          `Preparing the document took longer than ${this.timeoutMs} ms: simplify or split it`,
        ),
      );
    }, this.timeoutMs);
    // A large body is moved to the worker, not copied (only when it owns its whole ArrayBuffer).
    const content = job.doc.content;
    const transfer =
      content instanceof Uint8Array &&
      content.byteLength >= 64 * 1024 &&
      content.byteOffset === 0 &&
      content.byteLength === content.buffer.byteLength &&
      content.buffer instanceof ArrayBuffer
        ? [content.buffer]
        : [];
    slot.worker.postMessage({ id: job.id, doc: job.doc, limits: job.limits }, transfer);
  }

  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    slot.worker.unref();
    queueMicrotask(() => this.pump());
  }

  /** Forgets a slot whose worker is gone or being terminated; a new one is spawned on demand. */
  private drop(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.job = undefined;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    queueMicrotask(() => this.pump());
  }

  private async retire(slot: Slot): Promise<void> {
    clearTimeout(slot.timer);
    slot.job = undefined;
    slot.worker.removeAllListeners('exit');
    await slot.worker.terminate();
  }
}
