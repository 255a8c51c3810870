import { createMetrics, parseEnv } from '@mcp-platform/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, crmDefinition } from '../src/app.ts';
import { crmConfigSchema } from '../src/config.ts';
import { type FakeSalesforce, startFakeSalesforce } from './fake-salesforce.ts';
import { ANCHOR, background, silentLog } from './helpers.ts';

describe('createBackend (Salesforce)', () => {
  let fake: FakeSalesforce;
  beforeAll(async () => {
    fake = await startFakeSalesforce({ anchorDate: ANCHOR, apiLimit: 15_000 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('records the remaining org API requests and backend latency on the runtime registry', async () => {
    const config = parseEnv(crmConfigSchema, {
      SALESFORCE_CLIENT_ID: 'fake-client-id',
      SALESFORCE_CLIENT_SECRET: 'fake-client-secret',
      SALESFORCE_LOGIN_URL: fake.url,
    });
    const metrics = createMetrics({ server: 'crm', processMetrics: false });
    const crm = await createBackend(config, undefined, { log: silentLog, metrics });
    expect(crm.kind).toBe('salesforce');
    fake.apiUsage.used = 4_000;
    await crm.searchAccounts({ name: 'Acme', limit: 2 }, background);
    const text = await metrics.registry.metrics();
    const remaining = /crm_salesforce_api_requests_remaining\{server="crm"\} (\d+)/.exec(text);
    expect(Number(remaining?.[1])).toBe(15_000 - fake.apiUsage.used);
    expect(text).toMatch(/crm_salesforce_api_requests_limit\{server="crm"\} 15000/);
    expect(text).toMatch(
      /mcp_backend_call_duration_seconds_count\{[^}]*backend="salesforce"[^}]*operation="searchAccounts"[^}]*\} 1/,
    );

    fake.failNext(/query/, 403, [
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    await expect(crm.searchAccounts({ limit: 1 }, background)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
    });
    expect(await metrics.registry.metrics()).toMatch(
      /mcp_backend_errors_total\{[^}]*backend="salesforce"[^}]*code="RATE_LIMITED"[^}]*\} 1/,
    );
  });
});

describe('crmDefinition', () => {
  it('is the table of contents: ten tools, one resource template, two prompts, write tools gated by confirm', () => {
    const definition = crmDefinition({ crm: {} as never, today: () => ANCHOR });
    expect(definition.name).toBe('crm');
    expect(definition.tools).toHaveLength(10);
    expect(definition.resourceTemplates?.map((t) => t.uriTemplate)).toEqual(['crm://accounts/{id}']);
    expect(definition.prompts?.map((p) => p.name)).toEqual(['account_briefing', 'pipeline_review']);
    for (const tool of definition.tools ?? []) {
      expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
      const write = tool.annotations?.readOnlyHint === false;
      expect(tool.policy?.approval ?? 'none').toBe(write ? 'confirm' : 'none');
      if (write) expect(tool.preview).toBeTypeOf('function');
    }
  });
});
