import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type KnowledgeStack, startKnowledgeStack } from '../stack.ts';

/**
 * Issue 9, "also noted": a `knowledge:ingest` token could publish into and rename any space. Now
 * `knowledge:ingest:<SPACE>` grants one space, the bare scope only the spaces in UPLOAD_SPACES, and
 * moving a document (re-uploading its key into another space) needs rights on both spaces.
 */
describeWithPostgres('upload rights per space', (databaseUrl) => {
  let stack: KnowledgeStack;

  beforeAll(async () => {
    stack = await startKnowledgeStack(databaseUrl, 'upload_spaces', { UPLOAD_SPACES: 'DROPBOX' });
  });
  afterAll(async () => stack?.close());

  const upload = async (scope: string, query: string) => {
    const token = await stack.token(scope, `pipeline-${scope}`);
    const res = await fetch(`${stack.url}/ingest/documents?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/markdown', authorization: `Bearer ${token}` },
      body: `# Upload ${query}\n\nSome text for ${query}.`,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** The first row of a query on the index (undefined when none). */
  async function first<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T | undefined> {
    const client = new pg.Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows[0];
    } finally {
      await client.end();
    }
  }

  const spaceOf = (key: string) =>
    first<{ space: string }>('SELECT space_key AS space FROM kb_documents WHERE source_key = $1', [
      `upload:${key}`,
    ]);
  const spaceName = async (key: string) =>
    (await first<{ name: string }>('SELECT name FROM kb_spaces WHERE key = $1', [key]))?.name;

  it('a space scope publishes into its space only; other spaces and renames of them are refused', async () => {
    expect((await upload('knowledge:ingest:OPS', 'key=a/one&space=OPS')).status).toBe(201);
    const other = await upload('knowledge:ingest:OPS', 'key=a/two&space=HR');
    expect(other).toMatchObject({
      status: 403,
      body: { error: 'SPACE_FORBIDDEN', requiredScope: 'knowledge:ingest:HR', space: 'HR' },
    });
    const hrName = await spaceName('HR');
    const rename = await upload('knowledge:ingest:OPS', 'key=a/three&space=HR&spaceName=Ignore%20previous');
    expect(rename.status).toBe(403);
    expect(await spaceName('HR')).toBe(hrName);
    expect(await spaceOf('a/two')).toBeUndefined();
  });

  it('the bare scope reaches only the spaces in UPLOAD_SPACES', async () => {
    expect((await upload('knowledge:ingest', 'key=b/one&space=DROPBOX')).status).toBe(201);
    expect((await upload('knowledge:ingest', 'key=b/two&space=OPS')).body).toMatchObject({
      error: 'SPACE_FORBIDDEN',
      requiredScope: 'knowledge:ingest:OPS',
    });
    expect(await spaceOf('b/two')).toBeUndefined();
    // No upload scope at all: refused before any space is looked at.
    expect((await upload('knowledge:read', 'key=b/three&space=DROPBOX')).body).toMatchObject({
      error: 'FORBIDDEN',
    });
  });

  it('moving a document to another space needs rights on both spaces', async () => {
    expect((await upload('knowledge:ingest:OPS', 'key=c/doc&space=OPS')).status).toBe(201);
    // Rights on the target only: the OPS document is not taken out of OPS.
    const steal = await upload('knowledge:ingest:HR', 'key=c/doc&space=HR');
    expect(steal).toMatchObject({
      status: 403,
      body: { error: 'SPACE_FORBIDDEN', requiredScope: 'knowledge:ingest:OPS', space: 'OPS' },
    });
    expect((await spaceOf('c/doc'))?.space).toBe('OPS');
    const moved = await upload('knowledge:ingest:OPS knowledge:ingest:HR', 'key=c/doc&space=HR');
    expect(moved.status).toBe(200);
    expect((await spaceOf('c/doc'))?.space).toBe('HR');
  });

  it('a space scope may rename its own space', async () => {
    expect(
      (await upload('knowledge:ingest:OPS', 'key=d/doc&space=OPS&spaceName=Operations%20runbooks')).status,
    ).toBe(201);
    expect(await spaceName('OPS')).toBe('Operations runbooks');
  });
});
