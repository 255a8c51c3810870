import { ToolError } from '@mcp-platform/protocol';
import {
  bearerToken,
  createUpstreamClient,
  type RetryPolicy,
  UpstreamHttpError,
} from '@mcp-platform/server-kit';
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
  retry?: Partial<RetryPolicy>;
}

/** The kit's classified failure as the ingestion's SourceError; the caller's own abort passes through. */
function asSourceError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || !(error instanceof ToolError)) return error;
  if (error.cause instanceof UpstreamHttpError) {
    return new SourceError('EMBEDDING_FAILED', `The embedding endpoint answered HTTP ${error.cause.status}`, {
      retryable: error.retryable,
      cause: error,
    });
  }
  return new SourceError(
    'EMBEDDING_UNREACHABLE',
    `The embedding endpoint could not be reached: ${error.message}`,
    {
      retryable: true,
      cause: error,
    },
  );
}

/**
 * Embeddings from an HTTP endpoint (OpenAI-compatible wire format, which Ollama, vLLM, LiteLLM,
 * text-embeddings-inference and the hosted APIs all speak). Responses are checked: every vector must
 * have the configured dimensions and consist of finite numbers.
 */
export function httpEmbeddingProvider(options: HttpEmbeddingOptions): EmbeddingProvider {
  const batchSize = options.batchSize ?? 64;
  // The kit's client: per-attempt timeout tied to the caller's signal, retries with jittered backoff
  // (embedding is a pure function of the input, so a POST is safe to repeat), Retry-After honoured.
  const http = createUpstreamClient({
    system: 'The embedding endpoint',
    baseUrl: new URL(options.url).origin,
    auth: options.apiKey === undefined ? undefined : bearerToken(options.apiKey),
    timeoutMs: options.timeoutMs ?? 15_000,
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
  const embedBatch = async (texts: readonly string[], signal: AbortSignal): Promise<number[][]> => {
    let body: { data?: Array<{ index?: number; embedding?: unknown }> };
    try {
      body = await http.json(
        {
          operation: 'embed',
          method: 'POST',
          path: options.url,
          idempotent: true,
          json: { input: texts, ...(options.model === undefined ? {} : { model: options.model }) },
        },
        { signal },
      );
    } catch (error) {
      throw asSourceError(error, signal);
    }
    const data = Array.isArray(body?.data) ? body.data : [];
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
    async embed(texts, signal = new AbortController().signal) {
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
