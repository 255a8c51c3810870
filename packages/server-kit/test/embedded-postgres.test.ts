import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, runMigrations, startEmbeddedPostgres } from '../src/index.ts';

describe('embedded PostgreSQL and the migration runner', () => {
  let db: EmbeddedPostgres;
  let dir: string;
  beforeAll(async () => {
    db = await startEmbeddedPostgres({ dataDir: 'memory://', vector: true });
    dir = await mkdtemp(join(tmpdir(), 'kit-migrations-'));
    await writeFile(
      join(dir, '1700000000000_things.sql'),
      'CREATE TABLE things (id int PRIMARY KEY, label text);',
    );
    await writeFile(
      join(dir, '1700000000001_label.sql'),
      "INSERT INTO things VALUES (1, current_setting('kit.label'));",
    );
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the pg driver over the wire protocol, pgvector included', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('CREATE EXTENSION IF NOT EXISTS vector');
      const { rows } = await client.query<{ d: number }>("SELECT '[1,2]'::vector <-> '[1,5]'::vector AS d");
      expect(rows[0]!.d).toBe(3);
    } finally {
      await client.end();
    }
  });

  it('applies pending migrations once, in a table of their own, with settings instead of spliced values', async () => {
    const set = { name: 'kit-test', dir, table: 'kit_test_migrations', settings: { 'kit.label': "it's" } };
    expect(await runMigrations(db.url, set)).toEqual(['1700000000000_things', '1700000000001_label']);
    expect(await runMigrations(db.url, set)).toEqual([]);
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const { rows } = await pool.query('SELECT label FROM things');
      expect(rows).toEqual([{ label: "it's" }]);
      const tables = await pool.query<{ name: string }>('SELECT name FROM kit_test_migrations ORDER BY id');
      expect(tables.rows.map((r) => r.name)).toEqual(['1700000000000_things', '1700000000001_label']);
      // Borrowing a pooled connection works too, and hands it back without the settings.
      expect(await runMigrations(pool, set)).toEqual([]);
      const setting = await pool.query<{ v: string }>("SELECT current_setting('kit.label', true) AS v");
      expect(setting.rows[0]!.v).toBe('');
    } finally {
      await pool.end();
    }
  });
});
