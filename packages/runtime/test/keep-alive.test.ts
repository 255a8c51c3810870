import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../src/server.ts';
import { testServer } from './helpers.ts';

/**
 * The server advertises a short keep-alive (HTTP_KEEP_ALIVE_HINT_MS) and keeps idle connections for
 * the longer HTTP_IDLE_TIMEOUT_MS; the drain closes a connection only once it has been quiet longer
 * than the advertised keep-alive, when a client that honours it has already dropped it. Only lower
 * bounds on time are asserted: the server must not close a connection early.
 */
describe('keep-alive: advertised hint, idle timeout and the drain', () => {
  let server: RuntimeServer | undefined;
  afterEach(async () => {
    await server?.app.close();
    server = undefined;
  });

  /** One kept-alive request on a raw socket; resolves with the response head, when it came, and the socket's close. */
  async function requestOnce(port: number) {
    const socket: Socket = connect(port, '127.0.0.1');
    let head = '';
    let answeredAt = 0;
    const closedAt = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
    const answered = new Promise<void>((resolve, reject) => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        head += chunk;
        if (head.includes('\r\n\r\n') && answeredAt === 0) {
          answeredAt = performance.now();
          resolve();
        }
      });
      socket.once('error', reject);
    });
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
    await answered;
    return { head, answeredAt, closedAt, socket };
  }

  it('advertises the hint and keeps an idle connection open for the idle timeout', async () => {
    server = await testServer({ HTTP_KEEP_ALIVE_HINT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '3000' });
    const port = Number(new URL(await server.listen()).port);
    const { head, answeredAt, closedAt } = await requestOnce(port);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head).toMatch(/\r\nkeep-alive: timeout=1\r\n/i);
    // Closed by the server at the idle timeout (3 s), not at the advertised hint (1 s). The bound sits
    // between the two: the client notes the answer a little after the server's timer starts.
    expect((await closedAt) - answeredAt).toBeGreaterThanOrEqual(2_000);
  }, 30_000);

  it('the drain closes an idle connection only after it has been quiet longer than the advertised keep-alive', async () => {
    server = await testServer({
      HTTP_KEEP_ALIVE_HINT_MS: '3000',
      HTTP_IDLE_TIMEOUT_MS: '60000',
      SHUTDOWN_GRACE_MS: '30000',
    });
    const port = Number(new URL(await server.listen()).port);
    const { head, answeredAt, closedAt } = await requestOnce(port);
    expect(head).toMatch(/\r\nkeep-alive: timeout=3\r\n/i);
    const shutdown = server.shutdown();
    // A client honouring `timeout=3` stops using the connection before 3 s; the drain waits 3 s + 1 s
    // (the old drain closed after 2 s). The bound leaves a second for the client noting the answer late.
    expect((await closedAt) - answeredAt).toBeGreaterThanOrEqual(3_000);
    await shutdown;
    server = undefined;
  }, 30_000);

  it('refuses a hint longer than the idle timeout, naming both variables', async () => {
    await expect(
      testServer({ HTTP_KEEP_ALIVE_HINT_MS: '10000', HTTP_IDLE_TIMEOUT_MS: '5000' }),
    ).rejects.toThrow(/HTTP_KEEP_ALIVE_HINT_MS: 10000 is longer than HTTP_IDLE_TIMEOUT_MS=5000/);
  });
});
