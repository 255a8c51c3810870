import type { Caller } from '@mcp-platform/protocol';
import type pg from 'pg';

/**
 * Which spaces an uploader may write. An uploaded document is read by every agent searching its
 * space, so publishing into a space (or renaming it, or moving a document out of it) is a right on
 * that space, not on the whole index:
 *
 * - `<scope>:<SPACE>` (e.g. `knowledge:ingest:OPS`) grants that space;
 * - the bare `<scope>` grants only the spaces listed in `UPLOAD_SPACES` (`*` = every space, for a
 *   single trusted pipeline).
 *
 * Re-uploading a key into another space moves the document: that needs rights on both spaces.
 */
export interface SpaceRights {
  /** The upload scope, e.g. `knowledge:ingest`. */
  scope: string;
  /** Spaces the bare scope grants (`UPLOAD_SPACES`); `*` grants every space. */
  openSpaces: readonly string[];
}

/** The scope that grants uploads into `space` alone. */
export function spaceScope(rights: SpaceRights, space: string): string {
  return `${rights.scope}:${space}`;
}

/** Whether the caller holds the upload scope at all (bare or for some space). */
export function mayUpload(caller: Caller, rights: SpaceRights): boolean {
  const prefix = `${rights.scope}:`;
  return caller.scopes.some((s) => s === rights.scope || s.startsWith(prefix));
}

/** Whether the caller may publish into, rename, or move documents out of `space`. */
export function mayWriteSpace(caller: Caller, rights: SpaceRights, space: string): boolean {
  if (caller.scopes.includes(spaceScope(rights, space))) return true;
  return (
    caller.scopes.includes(rights.scope) &&
    (rights.openSpaces.includes('*') || rights.openSpaces.includes(space))
  );
}

/** The space an uploaded key's document is in now (undefined for a new key). */
export async function currentSpace(pool: pg.Pool, uploadKey: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ space_key: string }>(
    'SELECT space_key FROM kb_documents WHERE source_key = $1',
    [`upload:${uploadKey}`],
  );
  return rows[0]?.space_key;
}
