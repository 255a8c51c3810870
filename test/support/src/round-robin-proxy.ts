import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  upstream: string;
  method: string;
  url: string;
  /** Upstream status, or 502 when the upstream could not be reached. */
  status: number;
}

export interface RoundRobinProxyOptions {
  /** Sees every chunk of every response body as it passes through (to check what reached the client). */
  tap?: (request: ProxiedRequest, chunk: Buffer) => void;
}

export interface RoundRobinProxy {
  /** Base URL of the proxy (no trailing slash). */
  url: string;
  /** Every request the proxy forwarded, in arrival order. */
  readonly requests: readonly ProxiedRequest[];
  /** How many requests each upstream received. */
  countsByUpstream(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * A reverse proxy on an ephemeral 127.0.0.1 port that sends each request to the next upstream in
 * turn (no stickiness of any kind) and streams bodies both ways, so SSE responses flow through as
 * they are written. A client closing its connection closes the upstream request too.
 */
export async function roundRobinProxy(
  upstreams: readonly string[],
  options: RoundRobinProxyOptions = {},
): Promise<RoundRobinProxy> {
  const { tap } = options;
  if (upstreams.length === 0) throw new Error('roundRobinProxy needs at least one upstream URL');
  const agent = new http.Agent({ keepAlive: true });
  const requests: ProxiedRequest[] = [];
  let next = 0;

  const server = http.createServer((req, res) => {
    const upstream = upstreams[next++ % upstreams.length]!;
    const target = new URL(req.url ?? '/', upstream);
    const record: ProxiedRequest = { upstream, method: req.method ?? 'GET', url: req.url ?? '/', status: 0 };
    requests.push(record);
    const outgoing = http.request(
      target,
      { method: req.method, headers: { ...req.headers, host: target.host }, agent },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(record.status, upstreamRes.headers);
        res.flushHeaders();
        if (tap) upstreamRes.on('data', (chunk: Buffer) => tap(record, chunk));
        upstreamRes.pipe(res);
      },
    );
    outgoing.on('error', (error) => {
      if (record.status === 0) record.status = 502;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bad gateway: ${error.message}`);
      } else {
        res.destroy(error);
      }
    });
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    countsByUpstream() {
      const counts: Record<string, number> = Object.fromEntries(upstreams.map((u) => [u, 0]));
      for (const r of requests) counts[r.upstream] = (counts[r.upstream] ?? 0) + 1;
      return counts;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
