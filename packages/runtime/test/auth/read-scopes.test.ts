import { describe, expect, it } from 'vitest';
import { allScopes, readScopes } from '../../src/auth/scopes.ts';

describe('readScopes (the scope of the 401 challenge)', () => {
  const definition = {
    tools: [
      { annotations: { readOnlyHint: true } },
      { annotations: { readOnlyHint: true }, policy: { scopes: ['role:analysts', 'crm:reports'] } },
      { annotations: { readOnlyHint: false } },
      { annotations: { readOnlyHint: false }, policy: { scopes: ['crm:admin'] } },
      {},
    ],
    resources: [{ policy: { scopes: ['role:auditors'] } }],
    prompts: [{}],
  };

  it('names what read-only tools, resources and prompts need, never write or admin scopes', () => {
    expect(readScopes(definition, 'crm')).toEqual(['crm:read', 'crm:reports']);
    expect(allScopes(definition, 'crm')).toEqual(
      expect.arrayContaining(['crm:read', 'crm:write', 'crm:admin', 'crm:reports']),
    );
  });

  it('asks for the read scope even for a server without read definitions', () => {
    expect(readScopes({ tools: [{ annotations: { readOnlyHint: false } }] }, 'kb')).toEqual(['kb:read']);
  });
});
