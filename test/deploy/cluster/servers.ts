import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHART, parseYamlStream, ROOT, run } from '../tools.ts';

// Which servers the cluster suite installs, and how they run without their SaaS backends. Nothing
// here names a server: the servers are those the chart enables with the suite's values files, the
// images those docker/build-all.sh builds from servers/<name>. A server added to servers/ and to the
// chart is installed and checked like the others.

/** The values files of the install, in order: the staging environment, then the suite's own. */
export const VALUES_FILES = [
  join(ROOT, 'deploy/staging.yaml'),
  join(ROOT, 'test/deploy/cluster/values.yaml'),
];

type Values = {
  serverDefaults?: { env?: Record<string, unknown> };
  servers?: Record<string, { enabled?: boolean; env?: Record<string, unknown> } | null>;
};

function readValues(file: string): Values {
  return (parseYamlStream(readFileSync(file, 'utf8'))[0] ?? {}) as Values;
}

/**
 * The servers whose Deployment the chart renders with VALUES_FILES (`helm template`), sorted. Each
 * must have its folder under servers/ (the image is built from it): else this throws, naming it.
 */
export function enabledServers(helm: string, kubeVersion: string): string[] {
  const rendered = run(helm, [
    'template',
    'probe',
    CHART,
    '--kube-version',
    kubeVersion,
    ...VALUES_FILES.flatMap((file) => ['--values', file]),
  ]);
  if (rendered.status !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
  const names = (
    parseYamlStream(rendered.stdout) as { kind?: string; metadata?: { labels?: Record<string, string> } }[]
  )
    .filter((object) => object.kind === 'Deployment')
    .map((object) => object.metadata?.labels?.['app.kubernetes.io/component'] ?? '?')
    .sort();
  const unbuilt = names.filter((name) => !existsSync(join(ROOT, 'servers', name, 'package.json')));
  if (unbuilt.length > 0) {
    throw new Error(
      `the chart enables ${unbuilt.join(', ')} with ${VALUES_FILES.join(' + ')}, but servers/<name>/package.json is missing: no image can be built`,
    );
  }
  return names;
}

const isUrl = (value: unknown) => typeof value === 'string' && /^https?:\/\//.test(value);

/**
 * Values for a cluster that reaches no SaaS backend: for each server, every `env` entry the chart or
 * the values files set to an http(s) URL (instance, login, embedding endpoints) is set to "" (unset
 * for the servers, which then run their sandbox backends), and no Secret files are mounted (there is
 * no key to mount). Written to a file for `--values`.
 */
export function backendsOffValues(servers: readonly string[]): string {
  const layers = [readValues(join(CHART, 'values.yaml')), ...VALUES_FILES.map(readValues)];
  const overlay: Record<string, { env: Record<string, string>; secretFiles: [] }> = {};
  for (const server of servers) {
    const env: Record<string, string> = {};
    for (const layer of layers) {
      for (const source of [layer.serverDefaults?.env, layer.servers?.[server]?.env]) {
        for (const [key, value] of Object.entries(source ?? {})) if (isUrl(value)) env[key] = '';
      }
    }
    overlay[server] = { env, secretFiles: [] };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-cluster-values-')), 'backends-off.yaml');
  // JSON is YAML.
  writeFileSync(file, `${JSON.stringify({ servers: overlay }, null, 2)}\n`);
  return file;
}
