/**
 * The five paged CRM lists: the cursor scope, the filters a cursor is bound to, and the keyset sort
 * value. Both backends mint their cursors with these scopes and filters (salesforce.ts, sandbox.ts);
 * the tools mint "continue after this item" cursors from them when the result-size guard trims a
 * page, so a trimmed list resumes exactly where the kept items end (test/backends/lists.test.ts
 * checks both agree).
 */
import { decodeKeyset, encodeCursor, type KeysetPosition, keysetPage } from '@mcp-platform/server-kit';
import type { Account, Case, Contact, Contract, Opportunity } from '../model.ts';
import type {
  AccountSearch,
  CaseSearch,
  ContactSearch,
  OpportunitySearch,
  Page,
  RenewalSearch,
} from './crm-backend.ts';
import { KEYSET } from './soql.ts';

type Query<Q> = Omit<Q, 'limit' | 'cursor'>;

export interface ListSpec<Q, T extends { id: string }> {
  scope: string;
  filters: (query: Query<Q>) => Record<string, unknown>;
  sortValue: (item: T) => string | number | null;
}

export const ACCOUNTS: ListSpec<AccountSearch, Account> = {
  scope: 'accounts',
  filters: (q) => ({ name: q.name, industry: q.industry, owner: q.owner }),
  sortValue: (a) => a.name,
};

export const OPPORTUNITIES: ListSpec<OpportunitySearch, Opportunity> = {
  scope: 'opportunities',
  filters: (q) => ({
    owner: q.owner,
    stage: q.stage,
    accountId: q.accountId,
    closeFrom: q.closeFrom,
    closeTo: q.closeTo,
    minAmount: q.minAmount,
  }),
  sortValue: (o) => o.closeDate,
};

export const CONTACTS: ListSpec<ContactSearch, Contact> = {
  scope: 'contacts',
  filters: (q) => ({ name: q.name, email: q.email, title: q.title, accountId: q.accountId }),
  sortValue: (c) => c.name,
};

export const CASES: ListSpec<CaseSearch, Case> = {
  scope: 'cases',
  filters: (q) => ({ accountId: q.accountId, priority: q.priority }),
  sortValue: (c) => c.createdDate,
};

export const RENEWALS: ListSpec<RenewalSearch, Contract> = {
  scope: 'renewals',
  filters: (q) => ({ from: q.from, to: q.to, owner: q.owner }),
  sortValue: (c) => c.endDate,
};

/** The cursor that continues after `item` in `list` for `query` (what the backend would have minted). */
export function cursorAfter<Q, T extends { id: string }>(
  list: ListSpec<Q, T>,
  query: Query<Q>,
  item: T,
): string {
  return encodeCursor(list.scope, list.filters(query), { v: list.sortValue(item) ?? '', id: item.id });
}

/**
 * One keyset page of `list` for `query`, as both backends run it: `after` is the validated position of
 * the query's cursor (undefined on the first page); `page` cuts the `limit + 1` fetched items into the
 * page and the cursor for the next one.
 */
export function keysetList<
  Q extends { limit: number; cursor?: string | undefined },
  T extends { id: string },
>(list: ListSpec<Q, T>, query: Q): { after: KeysetPosition | undefined; page: (items: T[]) => Page<T> } {
  const filters = list.filters(query);
  return {
    after: decodeKeyset(list.scope, filters, query.cursor, KEYSET),
    page: (items) => keysetPage(list.scope, filters, items, query.limit, list.sortValue),
  };
}
