import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runNode } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./support/pg-terminated-at-connect.ts', import.meta.url));

/** One PostgreSQL backend message: type byte, Int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

/** AuthenticationOk, ReadyForQuery and FATAL 57P01 in one write, then the end of the connection. */
const STARTUP_THEN_TERMINATED = Buffer.concat([
  message('R', int32(0)),
  message('Z', Buffer.from('I', 'latin1')),
  message(
    'E',
    Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0', 'latin1'),
  ),
]);

const run = (port: number, mode: 'plain' | 'guarded') =>
  runNode(['--conditions=@mcp-platform/source', CHILD, String(port), mode]);

describe('createPgPool: a database that goes away never crashes the process', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A minimal PostgreSQL wire-protocol peer: it reads the startup message and answers as a server
    // being stopped does when a connection completes just as the shutdown begins.
    server = createServer((socket) => {
      socket.once('data', () => socket.end(STARTUP_THEN_TERMINATED));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a plain pg pool crashes on the termination read with the connect (the failure createPgPool prevents)', async () => {
    const plain = await run(port, 'plain');
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("Unhandled 'error' event");
    expect(plain.stderr).toContain('57P01');
  });

  it('with createPgPool the process lives and the caller sees the lost connection on its query', async () => {
    const guarded = await run(port, 'guarded');
    expect(guarded.stderr).toBe('');
    expect(guarded.code).toBe(0);
    expect(JSON.parse(guarded.stdout)).toEqual({ failure: expect.stringMatching(/terminat|not queryable/i) });
  });
});
