import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Starts `app` on an ephemeral port on 127.0.0.1 and returns its base URL (no trailing slash). */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}
