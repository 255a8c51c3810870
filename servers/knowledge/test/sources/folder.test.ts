import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseEnv } from '@mcp-platform/runtime';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runIngestCli } from '../../src/cli/ingest.ts';
import { knowledgeConfigSchema } from '../../src/config.ts';
import { migrate } from '../../src/index/migrate.ts';
import { createTestDatabase } from '../support.ts';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  let text = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describeWithPostgres('ingest CLI over a folder', (databaseUrl) => {
  let db: { url: string; drop: () => Promise<void> };
  let root: string;
  let outside: string;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'folder');
    await migrate(db.url);
    root = await mkdtemp(join(tmpdir(), 'kb-folder-'));
    outside = await mkdtemp(join(tmpdir(), 'kb-outside-'));
    await mkdir(join(root, 'runbooks', 'payments'), { recursive: true });
    await mkdir(join(root, 'policies'));
    await mkdir(join(root, '.git'));
    await writeFile(
      join(root, 'runbooks', 'payments', 'latency.md'),
      '# Payments latency\n\n## Steps\n\nScale out.',
    );
    await writeFile(join(root, 'policies', 'travel.html'), '<h1>Travel</h1><p>Book trains.</p>');
    await writeFile(join(root, 'policies', 'notes.txt'), 'NOTES\n\nPlain text policy notes.');
    await writeFile(join(root, 'policies', 'scan.pdf'), Buffer.from('%PDF-1.7'));
    await writeFile(join(root, 'policies', 'broken.md'), Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x41]));
    await writeFile(join(root, 'policies', 'empty.md'), '');
    await writeFile(join(root, '.git', 'config.md'), '# hidden');
    await writeFile(join(outside, 'secret.md'), '# Secret\n\noutside the folder');
    await symlink(join(outside, 'secret.md'), join(root, 'policies', 'link.md'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
    await db?.drop();
  });

  const run = async (args: string[]) => {
    const out = capture();
    const err = capture();
    const config = parseEnv(knowledgeConfigSchema, { DATABASE_URL: db.url });
    const code = await runIngestCli(args, config, db.url, pino({ level: 'silent' }), {
      stdout: out.stream,
      stderr: err.stream,
      cwd: tmpdir(),
    });
    return { code, stdout: out.text(), stderr: err.text() };
  };

  it('ingests supported files, reports the rest with reasons, and never follows links or hidden folders', async () => {
    const first = await run([root]);
    expect(first.code).toBe(2);
    expect(first.stdout).toMatch(/6 documents in [\d.]+ s: 3 added, 0 updated, 0 unchanged, 3 failed/);
    expect(first.stdout).toContain('FAILED folder:policies/scan.pdf: UNSUPPORTED_TYPE');
    expect(first.stdout).toContain('FAILED folder:policies/broken.md: INVALID_ENCODING');
    expect(first.stdout).toContain('FAILED folder:policies/empty.md: EMPTY');
    expect(first.stderr).toBe('');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT source_key, space_key, title FROM kb_documents ORDER BY source_key',
      );
      expect(rows).toEqual([
        { source_key: 'folder:policies/notes.txt', space_key: 'POLICIES', title: 'NOTES' },
        { source_key: 'folder:policies/travel.html', space_key: 'POLICIES', title: 'Travel' },
        {
          source_key: 'folder:runbooks/payments/latency.md',
          space_key: 'RUNBOOKS',
          title: 'Payments latency',
        },
      ]);
    } finally {
      await client.end();
    }
    const second = await run([root]);
    expect(second.stdout).toMatch(/0 added, 0 updated, 3 unchanged, 3 failed/);
  });

  it('puts everything in one space with --space and explains usage errors', async () => {
    await writeFile(
      join(root, 'runbooks', 'payments', 'latency.md'),
      '# Payments latency\n\n## Steps\n\nScale out now.',
    );
    const result = await run([join(root, 'runbooks'), '--space', 'OPS']);
    expect(result.stdout).toMatch(/1 added/);
    expect((await run([])).code).toBe(64);
    expect((await run([join(root, 'missing')])).code).toBe(66);
  });
});
