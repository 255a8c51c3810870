import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../../src/server.ts';
import { bearer, logCapture, rpc, testServer } from '../helpers.ts';

const TOKEN = 'svc-logging-secret-token-0123456789abcdef';
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('structured logs', () => {
  let server: RuntimeServer;
  const logs = logCapture();
  beforeAll(async () => {
    server = await testServer(
      {
        AUTH_MODE: 'oauth',
        OAUTH_ISSUER: 'http://issuer.invalid',
        SERVICE_TOKENS: `ops:${createHash('sha256').update(TOKEN).digest('hex')}:acme:read acme:write`,
        LOG_LEVEL: 'debug',
      },
      { logStream: logs.stream },
    );
  });
  afterAll(async () => {
    await server?.app.close();
  });

  it('puts the request id (from a sane x-request-id) and the trace id on every line of a call', async () => {
    const before = logs.lines.length;
    await rpc(
      server.app,
      'tools/call',
      { name: 'search_accounts', arguments: { query: 'q' } },
      {
        ...bearer(TOKEN),
        'x-request-id': 'req-abc.123',
        traceparent: TRACEPARENT,
      },
    );
    const lines = logs.lines.slice(before);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line.reqId).toBe('req-abc.123');
      expect(line.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(line.server).toBe('acme');
    }
    const completed = lines.find((l) => l.msg === 'call completed');
    expect(completed).toMatchObject({
      kind: 'tool',
      tool: 'search_accounts',
      outcome: 'ok',
      subject: 'service:ops',
    });
    expect(typeof completed?.durationMs).toBe('number');
  });

  it('replaces an insane x-request-id with a generated one', async () => {
    const before = logs.lines.length;
    const res = await server.app.inject({
      method: 'GET',
      url: '/anything',
      headers: { 'x-request-id': 'bad id\u0000<script>' },
    });
    expect(res.statusCode).toBe(401);
    const ids = new Set(logs.lines.slice(before).map((l) => l.reqId));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('redacts arguments the definition marks sensitive, and never logs credentials', async () => {
    const before = logs.lines.length;
    await rpc(
      server.app,
      'tools/call',
      { name: 'update_account', arguments: { id: '9', name: 'New', apiKey: 'sk-live-SECRET' } },
      bearer(TOKEN),
    );
    const lines = logs.lines.slice(before);
    const completed = lines.find((l) => l.msg === 'call completed');
    expect(completed?.args).toEqual({ id: '9', name: 'New', apiKey: '[REDACTED]' });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('sk-live-SECRET');
    expect(text).not.toContain(TOKEN);
  });

  it('redacts authorization headers and secret fields anywhere they are logged', () => {
    const start = logs.lines.length;
    server.app.log.info(
      {
        req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
        backend: { password: 'hunter2', config: { clientSecret: 's3' } },
      },
      'something logged carelessly',
    );
    const line = JSON.stringify(logs.lines.slice(start));
    expect(line).not.toContain('abc.def.ghi');
    expect(line).not.toContain('sid=1');
    expect(line).not.toContain('hunter2');
    expect(line).not.toContain('s3"');
    expect(line).toContain('[REDACTED]');
  });
});
