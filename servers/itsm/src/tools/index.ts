/**
 * The ITSM server's tools. Adding a tool: write `src/tools/<tool-name>.ts` exporting a factory
 * `(deps) => defineTool({...})`, and add it to this list.
 */
import type { ToolDefinition } from '@mcp-platform/protocol';
import { addIncidentNote } from './add-incident-note.ts';
import { createChangeRequest } from './create-change-request.ts';
import { createIncident } from './create-incident.ts';
import { findRelatedToAlert } from './find-related-to-alert.ts';
import { getConfigurationItem } from './get-configuration-item.ts';
import { getIncident } from './get-incident.ts';
import type { ToolDeps } from './inputs.ts';
import { listChanges } from './list-changes.ts';
import { resolveIncident } from './resolve-incident.ts';
import { searchIncidents } from './search-incidents.ts';

export const toolFactories: ReadonlyArray<(deps: ToolDeps) => ToolDefinition> = [
  findRelatedToAlert,
  searchIncidents,
  getIncident,
  listChanges,
  getConfigurationItem,
  createIncident,
  addIncidentNote,
  resolveIncident,
  createChangeRequest,
];

export function itsmTools(deps: ToolDeps): ToolDefinition[] {
  return toolFactories.map((factory) => factory(deps));
}

export type { ToolDeps } from './inputs.ts';
