/**
 * The CRM server's tools. Adding a tool: write `src/tools/<tool-name>.ts` exporting a factory
 * `(deps) => defineTool({...})`, and add it to this list.
 */
import type { ToolDefinition } from '@mcp-platform/protocol';
import { createOpportunity } from './create-opportunity.ts';
import { findContacts } from './find-contacts.ts';
import { getAccountOverview } from './get-account-overview.ts';
import { getOpportunity } from './get-opportunity.ts';
import type { ToolDeps } from './inputs.ts';
import { listOpenCases } from './list-open-cases.ts';
import { listOpenOpportunities } from './list-open-opportunities.ts';
import { listRenewalsDue } from './list-renewals-due.ts';
import { logActivity } from './log-activity.ts';
import { searchAccounts } from './search-accounts.ts';
import { updateOpportunityStage } from './update-opportunity-stage.ts';

export const toolFactories: ReadonlyArray<(deps: ToolDeps) => ToolDefinition> = [
  searchAccounts,
  getAccountOverview,
  listOpenOpportunities,
  getOpportunity,
  findContacts,
  listOpenCases,
  listRenewalsDue,
  logActivity,
  updateOpportunityStage,
  createOpportunity,
];

export function crmTools(deps: ToolDeps): ToolDefinition[] {
  return toolFactories.map((factory) => factory(deps));
}

export type { ToolDeps } from './inputs.ts';
