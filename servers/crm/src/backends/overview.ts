import type { AccountOverview, Activity, Case, Contact, Contract, Opportunity } from '../model.ts';
import type { OverviewOptions } from './crm-backend.ts';

/** Both backends build the overview the same way from their lists (each fetched with one extra row). */
export function assembleOverview(
  account: AccountOverview['account'],
  opportunities: Opportunity[],
  cases: Case[],
  contacts: Contact[],
  activities: Activity[],
  contracts: Contract[],
  o: OverviewOptions,
): AccountOverview {
  const capped = <T>(rows: T[], n: number) => ({ items: rows.slice(0, n), more: rows.length > n });
  const openOpportunities = capped(opportunities, o.perList);
  const contractList = capped(contracts, o.perList);
  return {
    account,
    openOpportunities,
    openPipelineAmount: openOpportunities.items.reduce((sum, x) => sum + (x.amount ?? 0), 0),
    openCases: capped(cases, o.perList),
    keyContacts: capped(contacts, o.perList),
    recentActivities: capped(activities, o.activities),
    contracts: contractList,
    nextRenewalDate: contractList.items[0]?.endDate ?? null,
  };
}
