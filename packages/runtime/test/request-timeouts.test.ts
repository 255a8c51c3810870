import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../src/server.ts';
import { testServer } from './helpers.ts';

describe('request/body/header timeouts on the server itself', () => {
  let server: RuntimeServer;
  let port: number;
  beforeAll(async () => {
    server = await testServer({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    const url = await server.listen();
    port = Number(new URL(url).port);
  });
  afterAll(async () => server?.app.close());

  /** Sends `data` and never finishes the request; resolves with what the server answered when it cut the connection. */
  const stall = (data: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(data));
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });

  it('cuts a slow-body connection (headers sent, body never finished) with 408', async () => {
    const answer = await stall(
      'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc":',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);

  it('cuts a connection whose headers never end', async () => {
    const answer = await stall('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 1\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  }, 30_000);
});
