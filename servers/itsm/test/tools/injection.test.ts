import type { CallContext, ToolDefinition } from '@mcp-platform/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceNowBackend } from '../../src/backends/servicenow.ts';
import { itsmTools } from '../../src/tools/index.ts';
import { type FakeServiceNow, ignoredParts, startFakeServiceNow } from '../fake-servicenow.ts';
import { ANCHOR, NOW, SEED, silentLog } from '../helpers.ts';

// Every free-text and enum input of every tool, given each hostile value: either the tool's schema
// refuses it (a validation error naming the problem), or every query the adapter then sends is one
// the instance parses completely (nothing ignored) — so no input can change a query's meaning.

const HOSTILE = [
  'x^active=true',
  'x^ORactive=true',
  'x^NQactive=true',
  'x^ORDERBYDESCpriority',
  'ORDERBYnumber',
  'x\nactive=true',
  'x\r\n^NQ',
  'javascript:gs.getUserID()',
  'caller_id.name=Bob',
  'sys_created_by=admin',
  'payments-db,payment-service',
  'Payments SRE^ORname!=x',
];

/** Valid arguments per tool: each hostile value replaces one string field at a time. */
const BASE: Record<string, Record<string, unknown>> = {
  search_incidents: {
    text: 'latency',
    assignmentGroup: 'Payments SRE',
    configurationItem: 'payment-service',
    states: ['open'],
    priorities: ['high'],
  },
  get_incident: { number: 'INC0010594' },
  find_related_to_alert: {
    alertText: 'payment-service latency',
    incident: 'INC0010594',
    configurationItem: 'payment-service',
  },
  list_change_requests: {
    from: '2026-11-20',
    to: '2026-11-27',
    configurationItem: 'payments-db',
    states: ['scheduled'],
  },
  get_configuration_item: { configurationItem: 'payments-db' },
  create_incident: {
    shortDescription: 'x',
    description: 'y',
    impact: 'low',
    urgency: 'low',
    category: 'software',
    configurationItem: 'payment-service',
    businessService: 'Payments',
    assignmentGroup: 'Payments SRE',
  },
  add_incident_note: { number: 'INC0010594', kind: 'work_note', text: 'note' },
  resolve_incident: { number: 'INC0010594', closeCode: 'Solved (Permanently)', closeNotes: 'done' },
  create_change_request: {
    shortDescription: 's',
    description: 'd',
    justification: 'j',
    implementationPlan: 'i',
    backoutPlan: 'b',
    testPlan: 't',
    risk: 'low',
    plannedStart: '2026-11-25T22:00:00Z',
    plannedEnd: '2026-11-25T23:00:00Z',
    configurationItem: 'payments-db',
    assignmentGroup: 'Payments SRE',
  },
};

function ctx(): CallContext {
  return {
    log: silentLog,
    signal: new AbortController().signal,
    progress: () => {},
    caller: { subject: 'tester@example.com', kind: 'user', scopes: [], claims: {} },
    client: { era: '2026', protocolVersion: '2026-07-28', name: 'injection-test' },
    correlationId: 'injection',
    touch: () => {},
    clientLog: () => {},
    approval: { id: 'test', policy: 'confirm', approvedBy: 'tester@example.com' },
  };
}

describe('no tool input can change the meaning of a sysparm_query', () => {
  let fake: FakeServiceNow;
  let tools: ToolDefinition[];

  beforeAll(async () => {
    fake = await startFakeServiceNow({ anchorDate: ANCHOR, seed: SEED });
    const itsm = new ServiceNowBackend({
      instanceUrl: fake.url,
      auth: { kind: 'oauth_client_credentials', clientId: 'itsm-client', clientSecret: 'itsm-secret' },
    });
    tools = itsmTools({ itsm, now: () => NOW });
  });
  afterAll(async () => fake?.close());

  it('covers every tool', () => {
    expect(Object.keys(BASE).sort()).toEqual(tools.map((t) => t.name).sort());
  });

  for (const [name, base] of Object.entries(BASE)) {
    it(`${name}: every string and enum input`, async () => {
      const tool = tools.find((t) => t.name === name)!;
      let refused = 0;
      let ran = 0;
      for (const field of Object.keys(base)) {
        for (const hostile of HOSTILE) {
          const value = Array.isArray(base[field]) ? [hostile] : hostile;
          const parsed = tool.input.safeParse({ ...base, [field]: value });
          if (!parsed.success) {
            refused++;
            expect(parsed.error.issues[0]?.message.length).toBeGreaterThan(5);
            continue;
          }
          ran++;
          const before = fake.queries.length;
          // Handlers may fail with a domain error (NOT_FOUND for a name no CI has): that is fine;
          // what matters is that every query they sent was parsed whole.
          await tool.handler(parsed.data as never, ctx()).catch(() => undefined);
          expect(ignoredParts({ ...fake, queries: fake.queries.slice(before) })).toEqual([]);
        }
      }
      expect(refused + ran).toBe(Object.keys(base).length * HOSTILE.length);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('record text (work notes) keeps hostile characters as data: they never reach a query', async () => {
    const tool = tools.find((t) => t.name === 'add_incident_note')!;
    const note = 'Evidence:\n^NQactive=true\njavascript:alert(1)';
    const before = fake.queries.length;
    await tool.handler(
      tool.input.parse({ number: 'INC0010594', kind: 'work_note', text: note }) as never,
      ctx(),
    );
    expect(ignoredParts({ ...fake, queries: fake.queries.slice(before) })).toEqual([]);
    const stored = fake.tables.sys_journal_field.at(-1)!;
    expect(stored.value?.endsWith(note)).toBe(true);
  });
});
