import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loudSkip, requireEnv } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClaudeCode, claudeCode, findClaudeCode, parseMcpList } from '../src/claude-code.ts';
import { type EnterpriseIdp, startEnterpriseIdp } from '../src/enterprise-idp.ts';
import { GROUP_SCOPES, PEOPLE } from '../src/people.ts';
import { type OAuthServer, SERVERS, type ServerName, startOAuthServer } from '../src/servers.ts';

// Claude Code itself (npm @anthropic-ai/claude-code, pinned in scripts/env.sh, installed into the cache
// by scripts/setup-toolchain.sh claude) as an MCP host: `claude mcp add` + `claude mcp list`, which
// connects to every configured server, and `claude mcp login` for OAuth. No API key is needed.
const SUITE = 'Claude Code as an MCP client (test/oauth/test/claude-code.test.ts)';
const found = findClaudeCode();
if ('missing' in found) loudSkip(SUITE, found.missing);
const databaseUrl = requireEnv('DATABASE_URL', SUITE, 'PostgreSQL 15+');
const CONNECTED = '✔ Connected';

describe.skipIf('missing' in found || databaseUrl === undefined)(SUITE, () => {
  let idp: EnterpriseIdp;
  const open = {} as Record<ServerName, OAuthServer>;
  const protectedServers = {} as Record<ServerName, OAuthServer>;
  const hosts: ClaudeCode[] = [];
  const host = () => {
    const h = claudeCode((found as { bin: string }).bin);
    hosts.push(h);
    return h;
  };

  beforeAll(async () => {
    idp = await startEnterpriseIdp({ servers: SERVERS, people: PEOPLE, groupScopes: GROUP_SCOPES });
    for (const name of SERVERS) {
      open[name] = await startOAuthServer(name, idp, databaseUrl as string, { auth: 'none' });
      protectedServers[name] = await startOAuthServer(name, idp, databaseUrl as string);
    }
  }, 240_000);
  afterAll(async () => {
    for (const h of hosts) h.close();
    for (const server of [...Object.values(open), ...Object.values(protectedServers)]) await server.close();
    await idp?.close();
  });

  it('connects to every server over Streamable HTTP and the legacy SSE endpoint, authentication off on loopback', {
    timeout: 240_000,
  }, async () => {
    const cc = host();
    for (const name of SERVERS) {
      await cc.claude(['mcp', 'add', '--transport', 'http', name, `${open[name].url}/mcp`]);
      await cc.claude(['mcp', 'add', '--transport', 'sse', `${name}-legacy`, `${open[name].url}/sse`]);
    }
    const status = parseMcpList(await cc.claude(['mcp', 'list']));
    expect(status).toEqual({
      crm: CONNECTED,
      'crm-legacy': CONNECTED,
      knowledge: CONNECTED,
      'knowledge-legacy': CONNECTED,
    });
  });

  it('connects to the servers of a project .mcp.json (the team-shared configuration)', {
    timeout: 240_000,
  }, async () => {
    const cc = host();
    const mcpServers = Object.fromEntries(
      SERVERS.map((name) => [name, { type: 'http', url: `${open[name].url}/mcp` }]),
    );
    writeFileSync(join(cc.project, '.mcp.json'), JSON.stringify({ mcpServers }, null, 2));
    // Project servers need the user's approval first (a repository cannot approve its own servers:
    // Claude Code ignores that setting in project settings); the user's settings can give it.
    const before = parseMcpList(await cc.claude(['mcp', 'list']));
    for (const name of SERVERS) expect(before[name]).toMatch(/Pending approval/);
    mkdirSync(cc.configDir, { recursive: true });
    writeFileSync(
      join(cc.configDir, 'settings.json'),
      JSON.stringify({ enabledMcpjsonServers: [...SERVERS] }),
    );
    expect(parseMcpList(await cc.claude(['mcp', 'list']))).toEqual({ crm: CONNECTED, knowledge: CONNECTED });
  });

  it('completes OAuth against the test IdP non-interactively (claude mcp login --no-browser), then connects', {
    timeout: 300_000,
  }, async () => {
    const cc = host();
    for (const name of SERVERS) {
      await cc.claude(['mcp', 'add', '--transport', 'http', name, `${protectedServers[name].url}/mcp`]);
    }
    const before = parseMcpList(await cc.claude(['mcp', 'list']));
    for (const name of SERVERS) expect(before[name]).toMatch(/Needs authentication/);

    for (const name of SERVERS) {
      const server = protectedServers[name];
      let request: URLSearchParams | undefined;
      const output = await cc.login(name, async (url) => {
        request = new URL(url).searchParams;
        return idp.signIn(url, 'dana');
      });
      expect(output).toContain(`Authenticated with "${name}"`);
      // Discovery from the 401, dynamic registration, PKCE and the resource indicator, like the SDKs.
      expect(request?.get('resource')).toBe(server.resource);
      expect(request?.get('code_challenge_method')).toBe('S256');
      expect(idp.registrations.map((r) => r.client_id)).toContain(request?.get('client_id'));
      expect((request?.get('scope') ?? '').split(' ')).toContain(`${name}:read`);
    }
    expect(parseMcpList(await cc.claude(['mcp', 'list']))).toEqual({ crm: CONNECTED, knowledge: CONNECTED });
  });
});
