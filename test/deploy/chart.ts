import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART, findTool, findYamlReader, loudSkip, parseYamlStream, run } from './tools.ts';

// helm and kubeconform as the chart tests use them: rendering with values given inline,
// validating against the offline schemas of the pinned Kubernetes version.

export const HELM = findTool('HELM_BIN', 'helm');
export const KUBECONFORM = findTool('KUBECONFORM_BIN', 'kubeconform');
export const SCHEMA_DIR = process.env.KUBECONFORM_SCHEMA_DIR;
/** Pinned in scripts/env.sh; the default only matters when the tests run without it. */
export const KUBE_VERSION = process.env.KUBECONFORM_K8S_VERSION || '1.35.4';

/** What rendering needs and is missing here (empty: the chart suites run). */
export const RENDER_TOOLS_MISSING = [
  HELM === undefined ? 'helm (HELM_BIN)' : undefined,
  findYamlReader() === undefined ? 'Python with PyYAML (MCP_PYTHON)' : undefined,
].filter((m) => m !== undefined);

/** Skips `suite` loudly when a rendering tool is missing; true when it can run. */
export function canRender(suite: string): boolean {
  if (RENDER_TOOLS_MISSING.length > 0)
    loudSkip(
      suite,
      `${RENDER_TOOLS_MISSING.join(' and ')} not found: run scripts/setup-toolchain.sh gotools python`,
    );
  return RENDER_TOOLS_MISSING.length === 0;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Rendered {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export interface RenderOptions {
  /** Values files (paths relative to the repository root). */
  files?: readonly string[];
  /** Values written to a temporary file, as JSON (valid YAML). */
  values?: unknown;
  skipSchema?: boolean;
  chart?: string;
  showOnly?: string;
}

function valuesFile(values: unknown): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chart-values-'));
  const path = join(dir, 'values.json');
  writeFileSync(path, JSON.stringify(values));
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function helmTemplate(options: RenderOptions = {}): Rendered {
  if (HELM === undefined) throw new Error('helm not found');
  const args = [
    'template',
    'mcp',
    options.chart ?? CHART,
    '--namespace',
    'mcp',
    '--kube-version',
    KUBE_VERSION,
  ];
  for (const file of options.files ?? []) args.push('-f', file);
  const temp = options.values === undefined ? undefined : valuesFile(options.values);
  if (temp) args.push('-f', temp.path);
  if (options.skipSchema) args.push('--skip-schema-validation');
  if (options.showOnly) args.push('--show-only', options.showOnly);
  try {
    const result = run(HELM, args);
    return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
  } finally {
    temp?.cleanup();
  }
}

/** Renders and parses; throws with Helm's message when rendering fails. */
export function render(options: RenderOptions = {}): K8sObject[] {
  const result = helmTemplate(options);
  if (!result.ok) throw new Error(`helm template failed: ${result.stderr}`);
  return parseYamlStream(result.stdout) as K8sObject[];
}

export function helmLint(files: readonly string[] = []): Rendered {
  if (HELM === undefined) throw new Error('helm not found');
  const args = ['lint', CHART, '--strict', '--kube-version', KUBE_VERSION];
  for (const file of files) args.push('-f', file);
  const result = run(HELM, args);
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

export interface Conformity {
  ok: boolean;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
  problems: string[];
}

/** kubeconform -strict on a rendered stream; skipped kinds count as problems (no schema = not checked). */
export function kubeconform(manifests: string): Conformity {
  if (KUBECONFORM === undefined || SCHEMA_DIR === undefined)
    throw new Error('kubeconform or its schemas not found');
  const result = run(
    KUBECONFORM,
    [
      '-strict',
      '-summary',
      '-output',
      'json',
      '-kubernetes-version',
      KUBE_VERSION,
      '-schema-location',
      SCHEMA_DIR,
      '-',
    ],
    { input: manifests },
  );
  const report = JSON.parse(result.stdout) as {
    resources?: { filename: string; kind: string; name: string; status: string; msg: string }[];
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  const problems = (report.resources ?? [])
    .filter((r) => r.status !== 'statusValid')
    .map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg}`);
  return { ok: result.status === 0 && problems.length === 0, summary: report.summary, problems };
}

/**
 * NOTES.txt rendered. `helm template` skips it and `helm install --dry-run` wants a cluster, so a
 * copy of the chart renders the file through `tpl` into a YAML document.
 */
export function renderNotes(options: RenderOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-chart-notes-'));
  try {
    const chart = join(dir, 'mcp-platform');
    cpSync(CHART, chart, { recursive: true });
    cpSync(join(chart, 'templates/NOTES.txt'), join(chart, 'files/notes-under-test.txt'));
    writeFileSync(
      join(chart, 'templates/notes-under-test.yaml'),
      'notes: |\n{{ tpl (.Files.Get "files/notes-under-test.txt") . | indent 2 }}\n',
    );
    const result = helmTemplate({ ...options, chart, showOnly: 'templates/notes-under-test.yaml' });
    if (!result.ok) throw new Error(`helm template failed: ${result.stderr}`);
    const [doc] = parseYamlStream(result.stdout) as { notes: string }[];
    return doc?.notes ?? '';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const ofKind = (objects: readonly K8sObject[], kind: string): K8sObject[] =>
  objects.filter((o) => o.kind === kind);

/** Objects of one server (its component label), whatever their kind. */
export const ofServer = (objects: readonly K8sObject[], server: string): K8sObject[] =>
  objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === server);

export function one(objects: readonly K8sObject[], kind: string, server: string): K8sObject {
  const found = ofServer(ofKind(objects, kind), server);
  if (found.length !== 1) throw new Error(`expected one ${kind} for ${server}, found ${found.length}`);
  return found[0]!;
}
