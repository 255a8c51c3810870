import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/assets.ts';
import { migrate } from '../../src/index/migrate.ts';
import { createTestDatabase } from '../support.ts';

describeWithPostgres('index migrations through the kit runner', (databaseUrl) => {
  let fresh: TestDatabase;
  let earlier: TestDatabase;
  beforeAll(async () => {
    [fresh, earlier] = await Promise.all([
      createTestDatabase(databaseUrl, 'migrate_fresh'),
      createTestDatabase(databaseUrl, 'migrate_earlier'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([fresh?.drop(), earlier?.drop()]);
  });

  it('applies the versioned migrations once', async () => {
    expect((await migrate(fresh.url)).applied).toEqual(['001_index', '002_write_document']);
    expect((await migrate(fresh.url)).applied).toEqual([]);
  });

  it('adopts an index migrated by the earlier runner (kb_schema_migrations) without running anything twice', async () => {
    const client = new pg.Client({ connectionString: earlier.url });
    await client.connect();
    try {
      for (const file of ['001_index.sql', '002_write_document.sql']) {
        await client.query(await readFile(join(MIGRATIONS_DIR, file), 'utf8'));
      }
      await client.query(
        'CREATE TABLE kb_schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      await client.query(
        "INSERT INTO kb_schema_migrations (name) VALUES ('001_index.sql'), ('002_write_document.sql')",
      );
    } finally {
      await client.end();
    }
    expect((await migrate(earlier.url)).applied).toEqual([]);
  });
});
