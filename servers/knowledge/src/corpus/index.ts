import { seededRandom as seeded } from '@mcp-platform/server-kit';
import type { IncomingDocument } from '../index/types.ts';
import { BENIGN_CASES, INJECTION_CASES } from './injection.ts';
import { policies } from './policies.ts';
import { runbooks, SERVICES } from './runbooks.ts';
import type { CorpusDocument } from './types.ts';

export { BENIGN_CASES, type BenignCase, INJECTION_CASES, type InjectionCase } from './injection.ts';
export { SERVICES } from './runbooks.ts';
export type { CorpusDocument } from './types.ts';

const SEED = 20_261_124;

/**
 * The demo corpus: runbooks for every service, IT policies, procurement and contract policies, HR
 * handbook sections, and a few documents carrying prompt-injection strings (plus benign look-alikes).
 * Deterministic: the same `now` gives byte-identical documents; update times are spread over the
 * 18 months before `now` (a fifth of them in the last 45 days, so "recently changed" has answers).
 */
export function generateCorpus(now: Date = new Date()): CorpusDocument[] {
  const random = seeded(SEED);
  const daysAgo = (r: typeof random) => (r.next() < 0.2 ? r.int(0, 45) : r.int(46, 540));
  return [
    ...runbooks(random, daysAgo, now),
    ...policies(random, daysAgo, now),
    ...INJECTION_CASES.map((c) => c.doc),
    ...BENIGN_CASES.map((c) => c.doc),
  ];
}

/** A corpus document as ingestion input (source `demo`). */
export function toIncoming(doc: CorpusDocument): IncomingDocument {
  return {
    source: 'demo',
    sourceKey: doc.path,
    space: doc.space,
    contentType: 'markdown',
    content: doc.markdown,
  };
}

export const CORPUS_SERVICE_NAMES: readonly string[] = SERVICES.map((s) => s.name);
