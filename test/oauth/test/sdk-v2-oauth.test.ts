import { describeWithPostgres } from '@mcp-platform/test-support';
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EnterpriseIdp, startEnterpriseIdp } from '../src/enterprise-idp.ts';
import { postWithToken, structured, TestHost, untilExpired } from '../src/host.ts';
import { GROUP_SCOPES, PEOPLE } from '../src/people.ts';
import { CALLS, type OAuthServer, SERVERS, type ServerName, startOAuthServer } from '../src/servers.ts';

type Transport = StreamableHTTPClientTransport | SSEClientTransport;
interface Era {
  name: string;
  transport: (server: OAuthServer, host: TestHost) => Transport;
  options: ConstructorParameters<typeof Client>[1];
}

const SSE: Era = {
  name: '2024-11-05 (HTTP+SSE)',
  transport: (server, host) => new SSEClientTransport(new URL(`${server.url}/sse`), { authProvider: host }),
  options: {},
};

const ERAS: readonly Era[] = [
  {
    name: '2026-07-28 (Streamable HTTP, stateless)',
    transport: (server, host) =>
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: host }),
    options: { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  },
  {
    name: '2025-11-25 (Streamable HTTP, initialize)',
    transport: (server, host) =>
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { authProvider: host }),
    options: { versionNegotiation: { mode: 'legacy' } },
  },
];

describeWithPostgres(
  'OAuth end to end: SDK v2 client (@modelcontextprotocol/client) against oidc-provider',
  (databaseUrl) => {
    let idp: EnterpriseIdp;
    const servers = {} as Record<ServerName, OAuthServer>;
    const clients: Client[] = [];

    beforeAll(async () => {
      idp = await startEnterpriseIdp({ servers: SERVERS, people: PEOPLE, groupScopes: GROUP_SCOPES });
      for (const name of SERVERS) servers[name] = await startOAuthServer(name, idp, databaseUrl);
    }, 180_000);
    afterAll(async () => {
      for (const client of clients) await client.close().catch(() => {});
      for (const server of Object.values(servers)) await server.close();
      await idp?.close();
    });

    /** The host's whole first connection: 401 → discovery → DCR → authorize (person signs in) → token → connect. */
    async function authorize(server: OAuthServer, era: Era, host: TestHost, person = 'dana') {
      const client = new Client(
        { name: host.name, version: '1.0.0' },
        {
          ...era.options,
          capabilities: { elicitation: { form: {} } },
        },
      );
      // The user confirms CRM writes when asked (2025: elicitation request; 2026: input_required).
      client.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: { approve: true },
      }));
      clients.push(client);
      const first = era.transport(server, host);
      await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
      const callback = await host.signIn(idp, person);
      await first.finishAuth(callback.searchParams);
      await client.connect(era.transport(server, host));
      return client;
    }

    describe.each(SERVERS)('%s server', (name) => {
      it.each(ERAS)(
        '$name: discovery, DCR, PKCE, resource indicator, least-privilege scope, then tool calls',
        async (era) => {
          const server = servers[name];
          const host = new TestHost(`v2-${name}-${era.name.slice(0, 10)}`);
          const client = await authorize(server, era, host);

          // Registered dynamically at the IdP found through the server's protected-resource metadata.
          expect(idp.registrations.map((r) => r.client_id)).toContain(host.registeredClientId);
          const request = host.authorizationUrls[0]!.searchParams;
          expect(request.get('client_id')).toBe(host.registeredClientId);
          expect(request.get('resource')).toBe(server.resource);
          expect(request.get('code_challenge_method')).toBe('S256');
          expect(request.get('code_challenge')).toMatch(/^[\w-]{43}$/);
          // Only what the 401 challenge named: the read scope, not write or approve.
          const asked = (request.get('scope') ?? '').split(' ');
          expect(asked).toContain(`${name}:read`);
          expect(asked).not.toContain(`${name}:write`);
          expect(asked).not.toContain(`${name}:approve`);
          expect(host.claims).toMatchObject({ iss: idp.issuer, aud: server.resource, scope: `${name}:read` });
          expect(host.refreshToken).toBeDefined();

          const [tool, args] = CALLS[name].read;
          expect(structured(await client.callTool({ name: tool, arguments: args }))).toBeTypeOf('object');
          // tools/list shows only what the token allows: no write tool.
          const [writeTool] = CALLS[name].write({});
          expect((await client.listTools()).tools.map((t) => t.name)).not.toContain(writeTool);
        },
      );

      it('refreshes an expired access token mid-session and the call succeeds', async () => {
        const server = servers[name];
        const host = new TestHost(`v2-${name}-refresh`);
        idp.setAccessTokenTtl(2);
        let client: Client;
        try {
          client = await authorize(server, ERAS[1]!, host);
        } finally {
          idp.setAccessTokenTtl(300);
        }
        const [tool, args] = CALLS[name].read;
        structured(await client.callTool({ name: tool, arguments: args }));
        const expired = host.accessToken;
        await untilExpired(host);
        const refusal = await postWithToken(`${server.url}/mcp`, expired);
        expect(refusal.status).toBe(401);
        expect(refusal.headers.get('www-authenticate')).toContain('expired');

        const refreshesBefore = idp.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;
        structured(await client.callTool({ name: tool, arguments: args }));
        expect(host.accessToken).not.toBe(expired);
        const refreshes = idp.tokenRequests.filter((r) => r.grantType === 'refresh_token');
        expect(refreshes.length).toBe(refreshesBefore + 1);
        expect(refreshes.at(-1)?.resource).toBe(server.resource);
        expect(host.claims.aud).toBe(server.resource);
      });

      it('steps up after 403 insufficient_scope: asks for the write scope, then the write succeeds', async () => {
        const server = servers[name];
        const host = new TestHost(`v2-${name}-stepup`);
        const era = ERAS[0]!;
        const client = await authorize(server, era, host);
        const read = structured(
          await client.callTool({ name: CALLS[name].read[0], arguments: CALLS[name].read[1] }),
        );
        const [tool, args] = CALLS[name].write(read);

        await expect(client.callTool({ name: tool, arguments: args })).rejects.toBeInstanceOf(
          UnauthorizedError,
        );
        expect(host.authorizationUrls).toHaveLength(2);
        const stepUp = host.authorizationUrls[1]!.searchParams;
        // v2 accumulates: the step-up asks for the challenged scope on top of what it held.
        expect((stepUp.get('scope') ?? '').split(' ')).toEqual(
          expect.arrayContaining([`${name}:read`, `${name}:write`]),
        );
        expect(stepUp.get('resource')).toBe(server.resource);

        const callback = await host.signIn(idp, 'dana');
        const transport = era.transport(server, host);
        await transport.finishAuth(callback.searchParams);
        expect(String(host.claims.scope).split(' ')).toContain(`${name}:write`);
        const stepped = new Client(
          { name: host.name, version: '1.0.0' },
          {
            ...era.options,
            capabilities: { elicitation: { form: {} } },
          },
        );
        stepped.setRequestHandler('elicitation/create', async () => ({
          action: 'accept',
          content: { approve: true },
        }));
        clients.push(stepped);
        await stepped.connect(transport);
        const written = structured(await stepped.callTool({ name: tool, arguments: args }));
        expect(written).toMatchObject(
          name === 'crm' ? { activity: { subject: args.subject } } : { rating: 'helpful' },
        );
        // The stepped-up token still reads.
        structured(await stepped.callTool({ name: CALLS[name].read[0], arguments: CALLS[name].read[1] }));
      });

      it('grants only what the person is entitled to: a reader asking for write gets read only', async () => {
        const server = servers[name];
        const host = new TestHost(`v2-${name}-reader`);
        const client = await authorize(server, ERAS[0]!, host, 'rita');
        expect(host.claims.scope).toBe(`${name}:read`);
        const read = structured(
          await client.callTool({ name: CALLS[name].read[0], arguments: CALLS[name].read[1] }),
        );
        const [tool, args] = CALLS[name].write(read);
        await expect(client.callTool({ name: tool, arguments: args })).rejects.toBeInstanceOf(
          UnauthorizedError,
        );
        const callback = await host.signIn(idp, 'rita');
        await ERAS[0]!.transport(server, host).finishAuth(callback.searchParams);
        // The IdP left the write scope out of the grant: the new token still cannot write.
        expect(String(host.claims.scope).split(' ')).not.toContain(`${name}:write`);
      });
    });

    describe('legacy HTTP+SSE endpoint (2024-11-05)', () => {
      const legacy = {} as Record<ServerName, OAuthServer>;
      beforeAll(async () => {
        for (const name of SERVERS)
          legacy[name] = await startOAuthServer(name, idp, databaseUrl, { resource: 'origin' });
      }, 180_000);
      afterAll(async () => {
        for (const server of Object.values(legacy)) await server.close();
      });

      it('with the default resource PUBLIC_URL/mcp the SDK refuses /sse: the resource is not a prefix of its URL', async () => {
        const host = new TestHost('v2-sse-default');
        const client = new Client({ name: host.name, version: '1.0.0' });
        clients.push(client);
        await expect(client.connect(SSE.transport(servers.crm, host))).rejects.toThrow(
          /does not match expected/,
        );
        expect(host.authorizationUrls).toEqual([]);
      });

      it.each(SERVERS)(
        '%s with OAUTH_AUDIENCE=PUBLIC_URL: the whole flow over /sse, then tool calls',
        async (name) => {
          const server = legacy[name];
          const host = new TestHost(`v2-${name}-sse`);
          const client = await authorize(server, SSE, host);
          const request = host.authorizationUrls[0]!.searchParams;
          expect(request.get('resource')).toBe(server.url);
          expect(request.get('code_challenge_method')).toBe('S256');
          expect(host.claims).toMatchObject({ iss: idp.issuer, aud: server.url, scope: `${name}:read` });
          const [tool, args] = CALLS[name].read;
          structured(await client.callTool({ name: tool, arguments: args }));
        },
      );
    });

    it('refuses a token for server A at server B (audience)', async () => {
      const host = new TestHost('v2-cross');
      await authorize(servers.crm, ERAS[0]!, host);
      const res = await postWithToken(`${servers.knowledge.url}/mcp`, host.accessToken);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token".*audience/);
      expect(await res.json()).toMatchObject({ id: 'probe', error: { code: -32001 } });
    });

    it('refuses an authorization response from another issuer (RFC 9207 mix-up) before redeeming the code', async () => {
      const host = new TestHost('v2-mixup');
      const client = new Client({ name: host.name, version: '1.0.0' }, ERAS[0]!.options);
      clients.push(client);
      const transport = ERAS[0]!.transport(servers.crm, host);
      await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
      const callback = await host.signIn(idp, 'dana');
      expect(callback.searchParams.get('iss')).toBe(idp.issuer);
      const forged = new URLSearchParams(callback.searchParams);
      forged.set('iss', 'https://attacker.example.com');
      const codesBefore = idp.tokenRequests.length;
      await expect(transport.finishAuth(forged)).rejects.toThrow(/issuer|iss/i);
      expect(idp.tokenRequests.length).toBe(codesBefore);
      expect(host.tokens()).toBeUndefined();
    });
  },
);
