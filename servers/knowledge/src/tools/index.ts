import type { ToolDefinition } from '@mcp-platform/protocol';
import type { KnowledgeBase } from '../knowledge-base.ts';
import { findRelatedDocumentsTool } from './find-related-documents.ts';
import { getDocumentTool } from './get-document.ts';
import { listRecentDocumentsTool } from './list-recent-documents.ts';
import { listSpacesTool } from './list-spaces.ts';
import { searchDocumentsTool } from './search-documents.ts';
import { submitFeedbackTool } from './submit-feedback.ts';

/** Every tool of the knowledge server, in the order tools/list shows them. */
export function knowledgeTools(kb: KnowledgeBase): ToolDefinition[] {
  return [
    searchDocumentsTool(kb),
    getDocumentTool(kb),
    findRelatedDocumentsTool(kb),
    listSpacesTool(kb),
    listRecentDocumentsTool(kb),
    submitFeedbackTool(kb),
  ] as ToolDefinition[];
}
