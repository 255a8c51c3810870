import { type AddressInfo, createConnection, createServer, type Socket } from 'node:net';

export interface TcpRelay {
  /** The relay's own port on 127.0.0.1: held from start to `close()`, so nothing else can take it. */
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP relay on an ephemeral 127.0.0.1 port to a Unix socket. Outage tests put a throwaway server
 * (Redis, PostgreSQL) on a socket in a private folder behind it: the server can be stopped and started
 * again while clients keep one address, without re-binding a TCP port another process may have taken
 * meanwhile. While the server is down, a new connection is accepted and closed at once (the client
 * sees the connection drop, as with a refused one); open connections close when the server's side does.
 */
export async function tcpRelay(socketPath: string): Promise<TcpRelay> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(socketPath);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
