import { decodeKeyset, type KeysetPosition, keysetPage } from '@mcp-platform/server-kit';
import type { Change, Incident } from '../model.ts';
import { SYS_ID } from './encoded-query.ts';
import type { Page } from './itsm-backend.ts';
import { type SnRecord, toChange, toIncident } from './records.ts';

/** The filters a cursor is bound to: the request without its page size and cursor. */
export function filtersOf<Q extends { limit: number; cursor?: string | undefined }>(query: Q): unknown {
  const { limit: _limit, cursor: _cursor, ...filters } = query;
  return filters;
}

/** Where to continue a keyset list (sort value + sys_id), validated; undefined on the first page. */
export function positionOf(
  scope: string,
  query: { limit: number; cursor?: string | undefined },
): KeysetPosition | undefined {
  const position = decodeKeyset(scope, filtersOf(query), query.cursor, { id: SYS_ID, maxValueLength: 40 });
  if (position && typeof position.v !== 'string') return undefined;
  return position;
}

/** One page from `limit + 1` rows, with the cursor after the last row shown. */
export function pageOf<T>(
  scope: string,
  query: { limit: number; cursor?: string | undefined },
  rows: readonly T[],
  key: (row: T) => { v: string; id: string },
): Page<T> {
  const keyed = rows.map((row) => ({ id: key(row).id, v: key(row).v, row }));
  const page = keysetPage(scope, filtersOf(query), keyed, query.limit, (r) => r.v);
  return { items: page.items.map((r) => r.row), nextCursor: page.nextCursor };
}

/** A page of incidents, newest number first (the cursor holds the number of the last one shown). */
export function incidentPage(
  query: { limit: number; cursor?: string | undefined },
  records: readonly SnRecord[],
): Page<Incident> {
  return pageOf('incidents', query, records.map(toIncident), (i) => ({ v: i.number, id: i.sysId }));
}

/** A page of changes by planned start (the cursor holds the raw `start_date` of the last one shown). */
export function changePage(
  query: { limit: number; cursor?: string | undefined },
  records: readonly SnRecord[],
): Page<Change> {
  const page = pageOf('changes', query, records, (r) => ({
    v: r.start_date?.value ?? '',
    id: r.sys_id?.value ?? '',
  }));
  return { items: page.items.map(toChange), nextCursor: page.nextCursor };
}
