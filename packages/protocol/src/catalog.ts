import { UriTemplate } from '@modelcontextprotocol/server';
import { z } from 'zod';
import {
  advertisedDescription,
  type PromptDefinition,
  type ResourceDefinition,
  type ResourceTemplateDefinition,
  type ServerDefinition,
  type ToolDefinition,
} from './definitions.ts';

/** The unfiltered descriptors tools/list, resources/templates/list and prompts/list are built from. */
export interface CatalogDescriptors {
  tools: ReadonlyArray<{ def: ToolDefinition; descriptor: Readonly<Record<string, unknown>> }>;
  resources: readonly ResourceDefinition[];
  resourceTemplates: ReadonlyArray<{
    def: ResourceTemplateDefinition;
    descriptor: Readonly<Record<string, unknown>>;
  }>;
  prompts: ReadonlyArray<{ def: PromptDefinition; descriptor: Readonly<Record<string, unknown>> }>;
}

export interface ToolEntry {
  def: ToolDefinition;
  descriptor: Record<string, unknown>;
}

export interface TemplateEntry {
  def: ResourceTemplateDefinition;
  template: UriTemplate;
  descriptor: Record<string, unknown>;
}

export interface PromptEntry {
  def: PromptDefinition;
  descriptor: Record<string, unknown>;
}

/**
 * Every failed call carries `{code, message, retryable, hint}` as structured content. Clients check
 * structured content against the advertised output schema even on `isError` results (SDK v1 does),
 * so a tool's advertised schema admits either its own output or this error shape.
 */
const TOOL_ERROR_JSON_SCHEMA = Object.freeze({
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    retryable: { type: 'boolean' },
    hint: { type: 'string' },
  },
  required: ['code', 'message', 'retryable'],
});

function advertisedOutputSchema(output: z.ZodType): Record<string, unknown> {
  return { type: 'object', anyOf: [jsonSchemaOf(output, 'output'), TOOL_ERROR_JSON_SCHEMA] };
}

/** JSON Schema for a zod schema, without `$schema` (older clients' validators reject the 2020-12 URI). */
/**
 * JSON Schema 2020-12 for a zod schema. Input schemas keep `$schema` (2025-11-25 requires it to be
 * preserved); output schemas drop it because clients compile them with validators that reject the
 * 2020-12 meta-schema URI.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  if (io === 'output') delete json.$schema;
  return json;
}

/** The tables the dispatcher serves from, built once at start-up. */
export interface Catalog {
  tools: Map<string, ToolEntry>;
  toolList: ToolEntry[];
  resources: Map<string, ResourceDefinition>;
  resourceList: ResourceDefinition[];
  templates: TemplateEntry[];
  prompts: Map<string, PromptEntry>;
  promptList: PromptEntry[];
}

/**
 * Builds every descriptor once at start-up (JSON Schemas generated, templates compiled) and
 * refuses a definition with an invalid or duplicate name.
 */
export function buildCatalog(definition: ServerDefinition): Catalog {
  const tools = new Map<string, ToolEntry>();
  const toolList: ToolEntry[] = [];
  const resources = new Map<string, ResourceDefinition>();
  const resourceList: ResourceDefinition[] = [];
  const templates: TemplateEntry[] = [];
  const prompts = new Map<string, PromptEntry>();
  const promptList: PromptEntry[] = [];
  for (const def of definition.tools ?? []) {
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(def.name)) {
      throw new Error(`Tool name "${def.name}" is invalid: use 1-128 letters, digits, '_', '-' or '.'`);
    }
    if (tools.has(def.name)) throw new Error(`Tool "${def.name}" is defined twice`);
    const descriptor: Record<string, unknown> = {
      name: def.name,
      ...(def.title === undefined ? {} : { title: def.title }),
      description: advertisedDescription(def),
      inputSchema: jsonSchemaOf(def.input, 'input'),
      ...(def.output === undefined ? {} : { outputSchema: advertisedOutputSchema(def.output) }),
      ...(def.annotations === undefined ? {} : { annotations: { ...def.annotations } }),
    };
    const entry = { def, descriptor };
    tools.set(def.name, entry);
    toolList.push(entry);
  }
  for (const def of definition.resources ?? []) {
    if (resources.has(def.uri)) throw new Error(`Resource "${def.uri}" is defined twice`);
    resources.set(def.uri, def);
    resourceList.push(def);
  }
  for (const def of definition.resourceTemplates ?? []) {
    templates.push({
      def,
      template: new UriTemplate(def.uriTemplate),
      descriptor: {
        uriTemplate: def.uriTemplate,
        name: def.name,
        ...(def.title === undefined ? {} : { title: def.title }),
        ...(def.description === undefined ? {} : { description: def.description }),
        ...(def.mimeType === undefined ? {} : { mimeType: def.mimeType }),
      },
    });
  }
  for (const def of definition.prompts ?? []) {
    if (prompts.has(def.name)) throw new Error(`Prompt "${def.name}" is defined twice`);
    const args = def.args
      ? Object.entries(def.args.shape).map(([name, schema]) => {
          const s = schema as z.ZodType;
          return {
            name,
            ...(s.description === undefined ? {} : { description: s.description }),
            required: !s.safeParse(undefined).success,
          };
        })
      : undefined;
    const entry: PromptEntry = {
      def,
      descriptor: {
        name: def.name,
        ...(def.title === undefined ? {} : { title: def.title }),
        ...(def.description === undefined ? {} : { description: def.description }),
        ...(args === undefined ? {} : { arguments: args }),
      },
    };
    prompts.set(def.name, entry);
    promptList.push(entry);
  }
  return { tools, toolList, resources, resourceList, templates, prompts, promptList };
}
