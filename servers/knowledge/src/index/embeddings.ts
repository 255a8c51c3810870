import { SourceError } from '../errors.ts';

/** Turns texts into vectors. Pluggable: the HTTP provider below, or anything with the same shape. */
export interface EmbeddingProvider {
  readonly dimensions: number;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

export interface HttpEmbeddingOptions {
  /** Endpoint speaking the OpenAI-compatible embeddings format: POST {input: string[], model} → {data: [{index, embedding}]}. */
  url: string;
  dimensions: number;
  model?: string | undefined;
  apiKey?: string | undefined;
  timeoutMs?: number;
  /** Largest batch sent in one request. */
  batchSize?: number;
}

/**
 * Embeddings from an HTTP endpoint (OpenAI-compatible wire format, which Ollama, vLLM, LiteLLM,
 * text-embeddings-inference and the hosted APIs all speak). Responses are checked: every vector must
 * have the configured dimensions and consist of finite numbers.
 */
export function httpEmbeddingProvider(options: HttpEmbeddingOptions): EmbeddingProvider {
  const batchSize = options.batchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const embedBatch = async (texts: readonly string[], signal?: AbortSignal): Promise<number[][]> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
        },
        body: JSON.stringify({
          input: texts,
          ...(options.model === undefined ? {} : { model: options.model }),
        }),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (cause) {
      throw new SourceError(
        'EMBEDDING_UNREACHABLE',
        `The embedding endpoint could not be reached: ${(cause as Error).message}`,
        {
          retryable: true,
          cause,
        },
      );
    }
    if (!response.ok) {
      throw new SourceError('EMBEDDING_FAILED', `The embedding endpoint answered HTTP ${response.status}`, {
        retryable: response.status === 429 || response.status >= 500,
      });
    }
    const body = (await response.json()) as { data?: Array<{ index?: number; embedding?: unknown }> };
    const data = Array.isArray(body.data) ? body.data : [];
    if (data.length !== texts.length) {
      throw new SourceError(
        'EMBEDDING_FAILED',
        `The embedding endpoint returned ${data.length} vectors for ${texts.length} texts`,
      );
    }
    const vectors: number[][] = new Array(texts.length);
    data.forEach((item, position) => {
      const index = typeof item.index === 'number' ? item.index : position;
      const v = item.embedding;
      if (
        !Array.isArray(v) ||
        v.length !== options.dimensions ||
        !v.every((x) => typeof x === 'number' && Number.isFinite(x))
      ) {
        throw new SourceError(
          'EMBEDDING_FAILED',
          `The embedding endpoint returned a vector that is not ${options.dimensions} finite numbers: check EMBEDDING_DIMENSIONS`,
        );
      }
      vectors[index] = v as number[];
    });
    return vectors;
  };
  return {
    dimensions: options.dimensions,
    async embed(texts, signal) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += batchSize) {
        out.push(...(await embedBatch(texts.slice(i, i + batchSize), signal)));
      }
      return out;
    },
  };
}

/** pgvector's text form of a vector: `[0.1,0.2,...]`. */
export function toVectorLiteral(vector: readonly number[]): string {
  return `[${vector.join(',')}]`;
}
