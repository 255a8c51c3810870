import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { declaredServers } from '../../scripts/server-ports.ts';
import { crmConfigSchema } from '../../servers/crm/src/config.ts';
import { itsmConfigSchema } from '../../servers/itsm/src/config.ts';
import { knowledgeConfigSchema } from '../../servers/knowledge/src/config.ts';
import { ROOT } from '../deploy/tools.ts';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A throwaway repository root with the given servers (name → package.json `mcp` field). */
function fakeRoot(servers: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'mcp-ports-'));
  temps.push(root);
  for (const [name, mcp] of Object.entries(servers)) {
    mkdirSync(join(root, 'servers', name, 'src'), { recursive: true });
    writeFileSync(join(root, 'servers', name, 'src/main.ts'), '');
    writeFileSync(join(root, 'servers', name, 'package.json'), JSON.stringify({ name, mcp }));
  }
  return root;
}

describe('pnpm start port map (scripts/server-ports.ts)', () => {
  it('takes each server and its port from the server directory itself', () => {
    const ports = Object.fromEntries(declaredServers(ROOT).map((s) => [s.name, s.port]));
    expect(ports).toMatchObject({ crm: 3001, itsm: 3002, knowledge: 3004 });
  });

  it("agrees with each server's own default PORT", () => {
    const defaults: Record<string, number> = {
      crm: crmConfigSchema.shape.PORT.parse(undefined),
      itsm: itsmConfigSchema.shape.PORT.parse(undefined),
      knowledge: knowledgeConfigSchema.shape.PORT.parse(undefined),
    };
    for (const server of declaredServers(ROOT)) {
      if (server.name in defaults) expect(server.port, server.name).toBe(defaults[server.name]);
    }
  });

  it('a new server directory is picked up by adding it, with its declared port', () => {
    const root = fakeRoot({ crm: { port: 3001 }, itsm: { port: 3002 } });
    expect(declaredServers(root).map((s) => [s.name, s.port])).toEqual([
      ['crm', 3001],
      ['itsm', 3002],
    ]);
  });

  it('refuses a server without a port, or two servers on one port, naming the file', () => {
    expect(() => declaredServers(fakeRoot({ finance: {} }))).toThrow(
      'servers/finance/package.json: declare the server\'s port as "mcp": { "port": <1024-65535> }',
    );
    expect(() => declaredServers(fakeRoot({ crm: { port: 3001 }, finance: { port: 3001 } }))).toThrow(
      "servers/finance/package.json: port 3001 is already servers/crm's",
    );
  });
});
