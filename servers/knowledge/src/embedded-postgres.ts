import { mkdir } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PostgreSQL in-process (PGlite, WebAssembly, with pgvector) behind the wire protocol on 127.0.0.1,
 * so the `pg` driver — the index's and the runtime's (audit) — talks to it like to any server.
 * PGlite runs one statement at a time; the socket server keeps a transaction's statements together.
 */
export interface EmbeddedPostgres {
  url: string;
  close(): Promise<void>;
}

export async function startEmbeddedPostgres(dataDir: string, maxConnections = 20): Promise<EmbeddedPostgres> {
  const memory = dataDir === 'memory://';
  if (!memory) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(memory ? undefined : dataDir, { extensions: { vector } });
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
