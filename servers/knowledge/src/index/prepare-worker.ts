import { parentPort } from 'node:worker_threads';
import { DocumentRejectedError } from '../errors.ts';
import { type PrepareLimits, prepareDocument } from './prepare.ts';
import type { IncomingDocument } from './types.ts';

/** One document per message: prepared off the server's event loop (see prepare-pool.ts). */
parentPort?.on('message', (message: { id: number; doc: IncomingDocument; limits: PrepareLimits }) => {
  try {
    parentPort?.postMessage({ id: message.id, prepared: prepareDocument(message.doc, message.limits) });
  } catch (error) {
    const rejected = error instanceof DocumentRejectedError;
    parentPort?.postMessage({
      id: message.id,
      error: {
        code: rejected ? error.code : undefined,
        message: error instanceof Error ? error.message : String(error),
      },
    });
  }
});
