import { backgroundCall } from '@mcp-platform/server-kit';
import { startFakeUpstream } from '@mcp-platform/test-support';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceNowBackend } from '../../src/backends/servicenow.ts';
import { type FakeServiceNow, startFakeServiceNow } from '../fake-servicenow.ts';
import { ANCHOR, SEED } from '../helpers.ts';

const call = backgroundCall();

describe('ServiceNow adapter against the fake instance: auth, errors and limits', () => {
  let fake: FakeServiceNow;
  let backend: ServiceNowBackend;
  const rate: Array<[number, number]> = [];

  beforeAll(async () => {
    fake = await startFakeServiceNow({ anchorDate: ANCHOR, seed: SEED, rateLimit: 5000 });
    backend = new ServiceNowBackend({
      instanceUrl: fake.url,
      auth: { kind: 'oauth_client_credentials', clientId: 'itsm-client', clientSecret: 'itsm-secret' },
      onRateLimit: (limit, remaining) => rate.push([limit, remaining]),
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
  });
  afterAll(async () => fake?.close());
  beforeEach(() => {
    fake.deny.clear();
    fake.hibernating = false;
  });

  it('sends fixed fields, display values, no reference links, and records the rate-limit headers', async () => {
    await backend.getIncident('INC0010594', { journal: 1 }, call);
    const request = fake.upstream.requests.find((r) => r.path === '/api/now/table/incident')!;
    expect(request.query).toMatchObject({
      sysparm_query: 'number=INC0010594',
      sysparm_display_value: 'all',
      sysparm_exclude_reference_link: 'true',
      sysparm_limit: '1',
    });
    expect(request.query.sysparm_fields).toContain('short_description');
    expect(request.headers.authorization).toMatch(/^Bearer /);
    expect(rate.at(-1)?.[0]).toBe(5000);
    expect(rate.at(-1)![1]).toBeLessThan(5000);
  });

  it('an expired token is refreshed once and the call succeeds', async () => {
    const tokens = fake.upstream.issuedTokens.length;
    fake.upstream.expireTokens();
    const ci = await backend.findCis(['payments-db'], call);
    expect(ci).toHaveLength(1);
    expect(fake.upstream.issuedTokens.length).toBe(tokens + 1);
  });

  it('a 403 ACL refusal is a permission error naming the table', async () => {
    fake.deny.add('cmdb_ci');
    await expect(backend.findCis(['payments-db'], call)).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('cmdb_ci'),
    });
  });

  it('a 429 with Retry-After is waited out, then retried', async () => {
    fake.upstream.failNext(/\/api\/now\/table\/sys_user_group/, {
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { message: 'Too many requests', detail: 'Rate limit exceeded' }, status: 'failure' },
    });
    const group = await backend.findGroup('Payments SRE', call);
    expect(group?.name).toBe('Payments SRE');
  });

  it('5xx answers are retried, then reported as unavailable', async () => {
    fake.upstream.failNext(/\/api\/now\/table\/sys_choice/, { status: 503, body: 'down' }, 5);
    await expect(backend.closeCodes(call)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
    });
  });

  it('a hibernating instance is unavailable with a hint to wake it', async () => {
    fake.hibernating = true;
    await expect(backend.closeCodes(call)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      message: expect.stringContaining('hibernating'),
    });
  });

  it('resolving without a close code is refused by the instance (data policy), with its message', async () => {
    const incident = (await backend.getIncident('INC0010595', { journal: 0 }, call))!;
    await expect(
      backend.resolveIncident({ sysId: incident.sysId, closeCode: '', closeNotes: '', workNote: 'x' }, call),
    ).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('Operation Failed'),
    });
  });

  it('basic auth works for instances without OAuth', async () => {
    const plain = await startFakeUpstream();
    try {
      plain.route('GET', '/api/now/table/sys_user_group', (request) => ({
        status:
          request.headers.authorization === `Basic ${Buffer.from('mcp.integration:pw').toString('base64')}`
            ? 200
            : 401,
        body: {
          result: [
            {
              sys_id: { value: 'a'.repeat(32), display_value: 'a'.repeat(32) },
              name: { value: 'Payments SRE', display_value: 'Payments SRE' },
            },
          ],
        },
      }));
      const basic = new ServiceNowBackend({
        instanceUrl: plain.url,
        auth: { kind: 'basic', username: 'mcp.integration', password: 'pw' },
      });
      expect(await basic.findGroup('Payments SRE', call)).toEqual({
        sysId: 'a'.repeat(32),
        name: 'Payments SRE',
      });
    } finally {
      await plain.close();
    }
  });
});
