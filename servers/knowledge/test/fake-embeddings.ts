import { createHash } from 'node:crypto';
import { startFakeUpstream } from '@mcp-platform/test-support';

/**
 * A deterministic embedding endpoint on 127.0.0.1 speaking the OpenAI-compatible wire format
 * (POST {input: string[], model} → {object: 'list', data: [{object: 'embedding', index, embedding}]}).
 * Vectors are hashed bags of words after a small synonym table, so texts that share meaning but no
 * words ("sluggish" vs "latency") land close together, as with a real model. Texts containing
 * FAIL-EMBED get HTTP 500; texts containing HANG-EMBED are never answered (a stuck model server).
 */
const SYNONYMS: Record<string, string> = {
  sluggish: 'latency',
  slow: 'latency',
  slowness: 'latency',
  delay: 'latency',
  delays: 'latency',
  lag: 'latency',
  laggy: 'latency',
  purchase: 'checkout',
  buying: 'checkout',
  basket: 'checkout',
  holiday: 'leave',
  vacation: 'leave',
};

export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z]{3,}/g) ?? []) {
    const word = SYNONYMS[raw] ?? raw;
    const h = createHash('sha256').update(word).digest();
    vector[h.readUInt16BE(0) % dimensions]! += 1;
    vector[h.readUInt16BE(2) % dimensions]! += 0.5;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

export async function startFakeEmbeddings(
  dimensions: number,
): Promise<{ url: string; requests: number; hanging: number; close(): Promise<void> }> {
  const fake = await startFakeUpstream();
  fake.route('POST', '/v1/embeddings', (request) => {
    const input = (request.json as { input: string[] | string }).input;
    const texts = Array.isArray(input) ? input : [input];
    // Never answered: the harness counts it in flight until the client closes the connection.
    if (texts.some((t) => t.includes('HANG-EMBED'))) return new Promise<never>(() => {});
    if (texts.some((t) => t.includes('FAIL-EMBED')))
      return { status: 500, body: { error: { message: 'model crashed' } } };
    return {
      body: {
        object: 'list',
        model: 'fake-embed',
        data: texts.map((t, index) => ({
          object: 'embedding',
          index,
          embedding: fakeEmbedding(t, dimensions),
        })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      },
    };
  });
  return {
    url: `${fake.url}/v1/embeddings`,
    get requests() {
      return fake.requests.length;
    },
    /** Requests held open whose client has not closed the connection yet. */
    get hanging() {
      return fake.inFlight;
    },
    close: () => fake.close(),
  };
}
