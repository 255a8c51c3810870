import { mkdir } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PostgreSQL in-process (PGlite, WebAssembly) behind the PostgreSQL wire protocol on 127.0.0.1, so
 * the `pg` driver — the sandbox backend's and the runtime's (audit, approvals) — talks to it like to
 * any server. One per process. PGlite runs one query at a time: statements from several connections
 * are queued, so callers must not rely on multi-statement transactions across connections.
 */
export interface EmbeddedPostgres {
  /** `postgres://` URL of the socket server (loopback, ephemeral port). */
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, maxConnections = 20): Promise<EmbeddedPostgres> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const address = (server as unknown as { server: Server }).server.address() as AddressInfo;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${address.port}/postgres?sslmode=disable`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
