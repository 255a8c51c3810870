import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A domain server `pnpm start` can run: its directory name and the port it declares. */
export interface DeclaredServer {
  name: string;
  port: number;
  main: string;
}

/**
 * Every domain server under `servers/` with a `src/main.ts`, and the port it declares in its
 * package.json (`"mcp": { "port": 3002 }`): adding a server directory is all it takes for
 * `pnpm start` to run it. A server without a valid port, or two servers on one port, is an error
 * naming the file to fix.
 */
export function declaredServers(root: string): DeclaredServer[] {
  const dir = join(root, 'servers');
  const found: DeclaredServer[] = [];
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const main = join(dir, name, 'src/main.ts');
    if (!existsSync(main)) continue;
    const manifest = join('servers', name, 'package.json');
    const port = (JSON.parse(readFileSync(join(root, manifest), 'utf8')) as { mcp?: { port?: unknown } }).mcp
      ?.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1024 || port > 65535) {
      throw new Error(`${manifest}: declare the server's port as "mcp": { "port": <1024-65535> }`);
    }
    const clash = found.find((s) => s.port === port);
    if (clash) throw new Error(`${manifest}: port ${port} is already servers/${clash.name}'s; pick another`);
    found.push({ name, port, main });
  }
  return found;
}
