import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commaList, httpUrl, port, postgresUrl, roleName } from '../src/index.ts';

describe('config field helpers', () => {
  const schema = z.object({
    URL: httpUrl('a URL like https://acme.service-now.com').optional(),
    DB: postgresUrl().optional(),
    LIST: commaList().default([]),
    PORT: port(3005),
    ROLE: roleName().optional(),
  });

  it('parses and normalises valid values', () => {
    expect(
      schema.parse({
        URL: 'https://acme.service-now.com//',
        DB: 'postgresql://u:p@h/db',
        LIST: ' OPS, HR,,',
        ROLE: 'mcp_itsm',
      }),
    ).toEqual({
      URL: 'https://acme.service-now.com',
      DB: 'postgresql://u:p@h/db',
      LIST: ['OPS', 'HR'],
      PORT: 3005,
      ROLE: 'mcp_itsm',
    });
  });

  it('says what a valid value looks like', () => {
    const result = schema.safeParse({
      URL: 'ftp://x',
      DB: 'mysql://x',
      PORT: '70000',
      ROLE: 'Robert"; DROP',
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'URL: expected a URL like https://acme.service-now.com',
        'DB: expected postgres://user:password@host:5432/database',
        expect.stringMatching(/^PORT: /),
        'ROLE: expected a PostgreSQL role name like mcp_crm',
      ]),
    );
  });
});
