import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/**
 * The one MCP test client: the official SDK v2 client over Streamable HTTP to `${baseUrl}/mcp`,
 * with a bearer token (or test headers), a protocol era, and scripted answers to elicitation.
 */
export interface McpTestClientOptions {
  /** Bearer token sent on every request. */
  token?: string;
  /** Other request headers (e.g. a test authenticator's `x-test-user`). */
  headers?: Record<string, string>;
  /** `2026` pins 2026-07-28 (default); `2025` negotiates the 2025 era. */
  era?: '2026' | '2025';
  /** Answers elicitation requests (declares the capability when set). */
  elicit?: (message: string) => {
    action: 'accept' | 'decline' | 'cancel';
    content?: Record<string, unknown>;
  };
  /** Elicitation modes declared (default `form` when `elicit` is set). */
  elicitModes?: ReadonlyArray<'form' | 'url'>;
  /** clientInfo name (default `mcp-test-client`). */
  name?: string;
  /** clientInfo version (default `1.0.0`). */
  version?: string;
}

export type McpTestClient = Client & {
  /** Elicitation messages received, in order (with the URL for URL-mode requests). */
  elicited: string[];
};

export async function connectMcpClient(
  baseUrl: string,
  options: McpTestClientOptions = {},
): Promise<McpTestClient> {
  const elicited: string[] = [];
  const client = new Client(
    { name: options.name ?? 'mcp-test-client', version: options.version ?? '1.0.0' },
    {
      ...(options.elicit
        ? {
            capabilities: {
              elicitation: Object.fromEntries((options.elicitModes ?? ['form']).map((mode) => [mode, {}])),
            },
          }
        : {}),
      versionNegotiation: { mode: options.era === '2025' ? 'legacy' : { pin: '2026-07-28' } },
    },
  );
  if (options.elicit) {
    const answer = options.elicit;
    client.setRequestHandler('elicitation/create', async (request) => {
      const { message, url } = request.params as { message: string; url?: string };
      elicited.push(url === undefined ? message : `${message} ${url}`);
      return answer(message) as never;
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), {
      requestInit: {
        headers: {
          ...options.headers,
          ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
        },
      },
    }),
  );
  return Object.assign(client, { elicited });
}

/** Structured content of a successful tool result (throws, failing the test, on an error result). */
export function resultOk<T = Record<string, unknown>>(result: unknown): T {
  const r = result as { isError?: boolean; structuredContent?: unknown; content?: unknown };
  if (r.isError) throw new Error(`tool failed: ${JSON.stringify(r.structuredContent ?? r.content)}`);
  return r.structuredContent as T;
}

/** Structured content of a failed tool result (throws when the result is not an error). */
export function resultError(result: unknown): { code: string; message: string; [key: string]: unknown } {
  const r = result as { isError?: boolean; structuredContent?: Record<string, unknown> };
  if (r.isError !== true)
    throw new Error(`expected an error result, got ${JSON.stringify(result).slice(0, 400)}`);
  return r.structuredContent as { code: string; message: string };
}

/** The text blocks of a result, joined by newlines. */
export function resultText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}
