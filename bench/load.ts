import http from 'node:http';

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  /** Builds the body of request number `i`. */
  body: (i: number) => string;
  /** Throws when a response body is not what a correct server answers to request `i`. */
  check: (i: number, status: number, body: string) => void;
  concurrency: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latenciesUs: Float64Array;
}

/** A closed-loop load generator over keep-alive connections; every response body is checked. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let counter = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const payload = options.body(i);
      const t0 = process.hrtime.bigint();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { ...options.headers, 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
            try {
              options.check(i, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
            } catch (error) {
              errors++;
              firstError ??= (error as Error).message;
            }
            resolve();
          });
        },
      );
      req.on('error', (error) => {
        errors++;
        firstError ??= error.message;
        resolve();
      });
      req.end(payload);
    });

  const worker = async () => {
    while (performance.now() < deadline) await one(counter++);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
  return {
    requests: latencies.length,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    elapsedMs: performance.now() - started,
    latenciesUs: Float64Array.from(latencies).sort(),
  };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
