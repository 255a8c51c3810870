import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on a fixed local port that can be switched off (every connection cut, new ones
 * refused) and on again: a database outage without stopping the shared database.
 */
export async function tcpSwitch(target: { host: string; port: number }): Promise<{
  port: number;
  off: () => Promise<void>;
  on: () => Promise<void>;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('error', () => {});
          s.on('close', () => {
            sockets.delete(s);
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as { port: number }).port;
        resolve();
      });
    });
  const off = async () => {
    for (const s of sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  };
  await listen();
  return { port, off, on: listen, close: off };
}
