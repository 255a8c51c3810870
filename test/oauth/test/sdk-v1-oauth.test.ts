import { describeWithPostgres } from '@mcp-platform/test-support';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnterpriseIdp, startEnterpriseIdp } from '../src/enterprise-idp.ts';
import { postWithToken, structured, TestHost, untilExpired } from '../src/host.ts';
import { GROUP_SCOPES, PEOPLE } from '../src/people.ts';
import { CALLS, type OAuthServer, SERVERS, type ServerName, startOAuthServer } from '../src/servers.ts';

type Transport = StreamableHTTPClientTransport | SSEClientTransport;

const streamable = (server: OAuthServer, host: TestHost) =>
  new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: host as never });
const sse = (server: OAuthServer, host: TestHost) =>
  new SSEClientTransport(new URL(`${server.url}/sse`), { authProvider: host as never });

describeWithPostgres(
  'OAuth end to end: SDK v1 client (@modelcontextprotocol/sdk) against oidc-provider',
  (databaseUrl) => {
    let idp: EnterpriseIdp;
    const servers = {} as Record<ServerName, OAuthServer>;
    const legacy = {} as Record<ServerName, OAuthServer>;
    const clients: Client[] = [];

    beforeAll(async () => {
      idp = await startEnterpriseIdp({ servers: SERVERS, people: PEOPLE, groupScopes: GROUP_SCOPES });
      for (const name of SERVERS) {
        servers[name] = await startOAuthServer(name, idp, databaseUrl);
        // The legacy /sse endpoint needs a resource that prefixes its URL (see the v2 suite).
        legacy[name] = await startOAuthServer(name, idp, databaseUrl, { resource: 'origin' });
      }
    }, 240_000);
    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => {});
      for (const server of [...Object.values(servers), ...Object.values(legacy)]) await server.close();
      await idp?.close();
    });

    async function authorize(
      server: OAuthServer,
      transport: (server: OAuthServer, host: TestHost) => Transport,
      host: TestHost,
    ) {
      const client = new Client({ name: host.name, version: '1.0.0' });
      clients.push(client);
      const first = transport(server, host);
      await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
      const callback = await host.signIn(idp, 'dana');
      // v1's finishAuth takes the code only: it cannot check the RFC 9207 `iss` of the response.
      await first.finishAuth(callback.searchParams.get('code') ?? '');
      await client.close();
      const connected = new Client({ name: host.name, version: '1.0.0' });
      clients.push(connected);
      await connected.connect(transport(server, host));
      return connected;
    }

    describe.each(SERVERS)('%s server', (name) => {
      it.each([
        { label: 'Streamable HTTP', transport: streamable, target: () => servers[name] },
        { label: 'legacy HTTP+SSE', transport: sse, target: () => legacy[name] },
      ])(
        '$label: discovery, DCR, PKCE, resource indicator, least-privilege scope, then a call',
        async ({ transport, target }) => {
          const server = target();
          const host = new TestHost(`v1-${name}`);
          const client = await authorize(server, transport, host);
          expect(idp.registrations.map((r) => r.client_id)).toContain(host.registeredClientId);
          const request = host.authorizationUrls[0]!.searchParams;
          expect(request.get('resource')).toBe(server.resource);
          expect(request.get('code_challenge_method')).toBe('S256');
          expect((request.get('scope') ?? '').split(' ')).not.toContain(`${name}:write`);
          expect(host.claims).toMatchObject({ iss: idp.issuer, aud: server.resource, scope: `${name}:read` });
          structured(await client.callTool({ name: CALLS[name].read[0], arguments: CALLS[name].read[1] }));
        },
      );

      it('refreshes an expired access token mid-session and the call succeeds', async () => {
        const server = servers[name];
        const host = new TestHost(`v1-${name}-refresh`);
        idp.setAccessTokenTtl(2);
        let client: Client;
        try {
          client = await authorize(server, streamable, host);
        } finally {
          idp.setAccessTokenTtl(300);
        }
        const [tool, args] = CALLS[name].read;
        structured(await client.callTool({ name: tool, arguments: args }));
        const expired = host.accessToken;
        await untilExpired(host);
        expect((await postWithToken(`${server.url}/mcp`, expired)).status).toBe(401);
        structured(await client.callTool({ name: tool, arguments: args }));
        expect(host.accessToken).not.toBe(expired);
        expect(idp.tokenRequests.at(-1)).toEqual({ grantType: 'refresh_token', resource: server.resource });
      });

      it('does not step up on 403 insufficient_scope: it only refreshes, then gives up', async () => {
        const server = servers[name];
        const host = new TestHost(`v1-${name}-stepup`);
        const client = await authorize(server, streamable, host);
        const read = structured(
          await client.callTool({ name: CALLS[name].read[0], arguments: CALLS[name].read[1] }),
        );
        const [tool, args] = CALLS[name].write(read);
        const refreshesBefore = idp.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
        // v1 1.32 reads the challenged scope but, holding a refresh token, refreshes instead of
        // sending the user back to the IdP; a refresh cannot widen the grant, so the retry is 403 again.
        await expect(client.callTool({ name: tool, arguments: args })).rejects.toThrow(
          /403 after trying upscoping/,
        );
        expect(host.authorizationUrls).toHaveLength(1);
        expect(idp.tokenRequests.filter((r) => r.grantType === 'refresh_token').length).toBe(
          refreshesBefore + 1,
        );
        expect(String(host.claims.scope).split(' ')).not.toContain(`${name}:write`);
      });
    });
  },
);
