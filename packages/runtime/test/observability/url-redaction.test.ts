import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactSecretsInText } from '../../src/observability/logger.ts';
import type { RuntimeServer } from '../../src/server.ts';
import { logCapture, testServer } from '../helpers.ts';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2lnbmF0dXJl';

describe('tokens and secrets in URLs and headers never reach the logs', () => {
  let server: RuntimeServer;
  const logs = logCapture();
  beforeAll(async () => {
    server = await testServer(
      { AUTH_MODE: 'oauth', OAUTH_ISSUER: 'http://issuer.invalid', LOG_LEVEL: 'debug' },
      { logStream: logs.stream },
    );
  });
  afterAll(async () => server?.app.close());

  it('redacts a bearer token sent in the query string of a refused request', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: `/mcp?access_token=${SECRET}&x=1`,
      headers: { 'content-type': 'application/json' },
      payload: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(response.statusCode).toBe(401);
    expect(logs.text()).not.toContain(SECRET);
    const incoming = logs.lines.find((l) =>
      (l.req as { url?: string } | undefined)?.url?.includes('access_token'),
    );
    expect((incoming?.req as { url?: string } | undefined)?.url).toBe('/mcp?access_token=[REDACTED]&x=1');
  });

  it('redacts credentials in any logged string or secret-named header field', () => {
    expect(redactSecretsInText(`https://api.example.com/x?sig=${SECRET}&page=2`)).toBe(
      'https://api.example.com/x?sig=[REDACTED]&page=2',
    );
    expect(redactSecretsInText(`postgres://mcp:${SECRET}@db:5432/audit`)).toBe(
      'postgres://mcp:[REDACTED]@db:5432/audit',
    );
    expect(redactSecretsInText(`upstream said: Bearer ${SECRET}`)).toBe('upstream said: Bearer [REDACTED]');
    server.app.log.info(
      {
        headers: { 'x-auth-token': SECRET, 'x-upstream-authorization': SECRET },
        target: `http://h/?api_key=${SECRET}`,
      },
      'calling upstream',
    );
    expect(logs.text()).not.toContain(SECRET);
  });
});
