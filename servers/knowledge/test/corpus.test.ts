import { describe, expect, it } from 'vitest';
import { BENIGN_CASES, generateCorpus, INJECTION_CASES, toIncoming } from '../src/corpus/index.ts';
import { prepareDocument } from '../src/index/prepare.ts';
import { detectInstructions } from '../src/untrusted.ts';

describe('demo corpus', () => {
  const now = new Date('2026-11-01T00:00:00Z');
  const corpus = generateCorpus(now);

  it('is deterministic and has a few hundred documents across the four spaces', () => {
    expect(generateCorpus(now)).toEqual(corpus);
    expect(corpus.length).toBeGreaterThan(250);
    expect(new Set(corpus.map((d) => d.space.key))).toEqual(new Set(['OPS', 'IT', 'PROC', 'HR']));
    expect(new Set(corpus.map((d) => d.path)).size).toBe(corpus.length);
  });

  it('prepares every document without refusal, generated ones updated within the 18 months before now', () => {
    const handWritten = new Set([...INJECTION_CASES, ...BENIGN_CASES].map((c) => c.doc.path));
    let recent = 0;
    for (const doc of corpus) {
      const prepared = prepareDocument(toIncoming(doc));
      expect(prepared.chunks.length).toBeGreaterThan(0);
      if (handWritten.has(doc.path)) continue;
      const days = (now.getTime() - prepared.updatedAt.getTime()) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(0);
      expect(days).toBeLessThanOrEqual(540);
      if (days <= 45) recent++;
    }
    expect(recent).toBeGreaterThan(20);
  });

  it('flags exactly the injection documents among the generated ones', () => {
    const injected = new Set(INJECTION_CASES.map((c) => c.doc.path));
    const benign = new Set(BENIGN_CASES.map((c) => c.doc.path));
    for (const doc of corpus) {
      const scan = detectInstructions(doc.markdown);
      if (injected.has(doc.path)) expect(scan.suspectedInstructions).toBe(true);
      else
        expect({ path: doc.path, ...scan }).toEqual({
          path: doc.path,
          suspectedInstructions: false,
          matchedPatterns: [],
        });
    }
    expect(benign.size).toBeGreaterThan(0);
  });
});
