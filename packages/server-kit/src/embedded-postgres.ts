import { mkdir } from 'node:fs/promises';
import type { AddressInfo, Server } from 'node:net';

/**
 * PostgreSQL in-process (PGlite, WebAssembly) behind the PostgreSQL wire protocol on 127.0.0.1, so
 * the `pg` driver — the domain's and the runtime's (audit, approvals) — talks to it like to any
 * server. For sandboxes and development when no DATABASE_URL is set; one per process. PGlite runs one
 * statement at a time; the socket server keeps a transaction's statements together.
 */
export interface EmbeddedPostgres {
  /** `postgres://` URL of the socket server (loopback, ephemeral port). */
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Data directory (created if missing), or `memory://` to keep nothing. */
  dataDir: string;
  /** Load the pgvector extension (`CREATE EXTENSION vector` then works). */
  vector?: boolean;
  /** Concurrent wire connections (default 20). */
  maxConnections?: number;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const memory = options.dataDir === 'memory://';
  if (!memory) await mkdir(options.dataDir, { recursive: true });
  // Loaded on demand: a server on a real PostgreSQL never pays for the WebAssembly build.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  const extensions = options.vector
    ? { vector: (await import('@electric-sql/pglite-pgvector')).vector }
    : undefined;
  const db = await PGlite.create(memory ? undefined : options.dataDir, extensions ? { extensions } : {});
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections ?? 20,
  });
  await server.start();
  const address = (server as unknown as { server: Server }).server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${address.port}/postgres?sslmode=disable`,
    close() {
      closed ??= (async () => {
        await server.stop();
        await db.close();
      })();
      return closed;
    },
  };
}
