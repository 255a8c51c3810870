/**
 * The finance server's tools. Adding a tool: write `src/tools/<tool-name>.ts` exporting a factory
 * `(deps) => defineTool({...})`, and add it to this list.
 */
import type { ToolDefinition } from '@mcp-platform/protocol';
import { createPurchaseRequisition } from './create-purchase-requisition.ts';
import { getPurchaseOrder } from './get-purchase-order.ts';
import { getSupplierInvoices } from './get-supplier-invoices.ts';
import { getSupplierProfile } from './get-supplier-profile.ts';
import type { ToolDeps } from './inputs.ts';
import { listContracts } from './list-contracts.ts';
import { listOpenPurchaseOrders } from './list-open-purchase-orders.ts';
import { rankSuppliers } from './rank-suppliers.ts';
import { searchSuppliers } from './search-suppliers.ts';

export const toolFactories: ReadonlyArray<(deps: ToolDeps) => ToolDefinition> = [
  searchSuppliers,
  getSupplierProfile,
  rankSuppliers,
  listOpenPurchaseOrders,
  getPurchaseOrder,
  getSupplierInvoices,
  listContracts,
  createPurchaseRequisition,
];

export function financeTools(deps: ToolDeps): ToolDefinition[] {
  return toolFactories.map((factory) => factory(deps));
}

export type { ToolDeps } from './inputs.ts';
