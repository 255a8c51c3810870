import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  helmLint,
  helmTemplate,
  type K8sObject,
  KUBE_VERSION,
  KUBECONFORM,
  kubeconform,
  ofKind,
  ofServer,
  one,
  RENDER_TOOLS_MISSING,
  render,
  renderNotes,
  SCHEMA_DIR,
} from './chart.ts';
import { CHART, loudSkip, parseYamlStream, ROOT } from './tools.ts';

const SUITE = 'helm chart (test/deploy/chart.test.ts)';
const ENV_FILES = readdirSync(join(ROOT, 'deploy'))
  .filter((name) => name.endsWith('.yaml'))
  .sort()
  .map((name) => `deploy/${name}`);
const DEFAULT_SERVERS = ['crm', 'finance', 'itsm', 'knowledge'];

const missing = RENDER_TOOLS_MISSING;
if (missing.length > 0)
  loudSkip(SUITE, `${missing.join(' and ')} not found: run scripts/setup-toolchain.sh gotools python`);
const conformMissing = KUBECONFORM === undefined || SCHEMA_DIR === undefined;
if (missing.length === 0 && conformMissing) {
  loudSkip(
    `${SUITE} schema validation`,
    'kubeconform or KUBECONFORM_SCHEMA_DIR not set: run scripts/setup-toolchain.sh gotools schemas',
  );
}

type Container = {
  name: string;
  image: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { secretRef?: { name: string } }[];
  startupProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  readinessProbe?: { httpGet?: { path: string } };
  securityContext?: Record<string, unknown>;
  resources?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: { labelSelector?: unknown }[];
  volumes?: { name: string; emptyDir?: unknown; secret?: unknown }[];
};
const podSpec = (o: K8sObject): PodSpec => (o.spec as { template: { spec: PodSpec } }).template.spec;
const envOf = (c: Container): Map<string, string | undefined> =>
  new Map((c.env ?? []).map((e) => [e.name, e.value]));

function expectHardened(deployment: K8sObject): void {
  const spec = podSpec(deployment);
  const [container] = spec.containers;
  expect(spec.automountServiceAccountToken).toBe(false);
  expect(spec.securityContext).toMatchObject({
    runAsNonRoot: true,
    runAsUser: 10001,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(container?.securityContext).toMatchObject({
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(container?.startupProbe?.httpGet?.path).toBe('/healthz');
  expect(container?.livenessProbe?.httpGet?.path).toBe('/healthz');
  expect(container?.readinessProbe?.httpGet?.path).toBe('/readyz');
  expect(container?.resources).toHaveProperty('requests');
  expect(container?.resources).toHaveProperty('limits');
  // Writable paths of the read-only root filesystem are volumes.
  expect(container?.volumeMounts?.map((m) => m.mountPath)).toEqual(
    expect.arrayContaining(['/tmp', '/var/spool/mcp']),
  );
  expect(spec.topologySpreadConstraints?.length).toBeGreaterThan(0);
  for (const constraint of spec.topologySpreadConstraints ?? [])
    expect(constraint.labelSelector).toBeDefined();
}

describe.skipIf(missing.length > 0)(SUITE, () => {
  describe('lint and schema validation', () => {
    it.each(['(defaults)', ...ENV_FILES])('helm lint --strict %s', (file) => {
      const result = helmLint(file === '(defaults)' ? [] : [file]);
      expect(result.ok, result.stdout + result.stderr).toBe(true);
    });

    it.skipIf(conformMissing).each(['(defaults)', ...ENV_FILES])(
      `%s renders objects valid for Kubernetes ${KUBE_VERSION} (kubeconform -strict, nothing skipped)`,
      (file) => {
        const rendered = helmTemplate({ files: file === '(defaults)' ? [] : [file] });
        expect(rendered.ok, rendered.stderr).toBe(true);
        const result = kubeconform(rendered.stdout);
        expect(result.problems).toEqual([]);
        expect(result.summary.invalid + result.summary.errors + result.summary.skipped).toBe(0);
        expect(result.summary.valid).toBeGreaterThan(0);
        expect(result.ok).toBe(true);
      },
    );

    it('values.schema.json is local: no remote $ref', () => {
      const schema = readFileSync(join(CHART, 'values.schema.json'), 'utf8');
      const refs = [...schema.matchAll(/"\$ref":\s*"([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(ref).toMatch(/^#\//);
    });

    it('every value in values.yaml has a comment above it or above the block holding it', () => {
      const lines = readFileSync(join(CHART, 'values.yaml'), 'utf8').split('\n');
      const undocumented: string[] = [];
      // Open blocks: indentation and whether a comment documents them (and so their contents).
      const stack: { indent: number; documented: boolean }[] = [];
      lines.forEach((line, i) => {
        const key = /^(\s*)(- )?([A-Za-z0-9_.-]+):/.exec(line);
        if (!key) return;
        const indent = key[1]!.length;
        while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
        const documented =
          (lines[i - 1] ?? '').trim().startsWith('#') || stack.some((block) => block.documented);
        const opensBlock = (lines[i + 1] ?? '').search(/\S/) > indent && line.trim().endsWith(':');
        if (!documented && !opensBlock) undocumented.push(`${i + 1}: ${line.trim()}`);
        stack.push({ indent, documented });
      });
      expect(undocumented).toEqual([]);
    });
  });

  describe('production values', () => {
    const objects = () => render({ files: ['deploy/production.yaml'] });

    it('render, for every server, probes, hardened pods, HPA, PDB, NetworkPolicy, TLS Ingress, ServiceMonitor and PrometheusRule', () => {
      const all = objects();
      for (const server of DEFAULT_SERVERS) {
        expectHardened(one(all, 'Deployment', server));
        for (const kind of [
          'Service',
          'ServiceAccount',
          'HorizontalPodAutoscaler',
          'PodDisruptionBudget',
          'NetworkPolicy',
          'Ingress',
          'ServiceMonitor',
          'PrometheusRule',
          'Job',
        ]) {
          expect(ofServer(ofKind(all, kind), server), `${kind} of ${server}`).toHaveLength(1);
        }
        const ingress = one(all, 'Ingress', server);
        expect((ingress.spec as { tls?: unknown[] }).tls).toHaveLength(1);
      }
      expect(ofKind(all, 'Secret')).toEqual([]);
    });

    it('pins the image and starts at the HPA minimum (a missing count would start one pod)', () => {
      const deployment = one(objects(), 'Deployment', 'crm');
      const hpa = one(objects(), 'HorizontalPodAutoscaler', 'crm');
      expect((deployment.spec as { replicas?: number }).replicas).toBe(
        (hpa.spec as { minReplicas: number }).minReplicas,
      );
      expect(podSpec(deployment).containers[0]?.image).toBe(
        'registry.internal.example.com/mcp-platform/crm:0.1.0',
      );
    });
  });

  describe('template rules', () => {
    it('renders a PodDisruptionBudget only above one replica', () => {
      const pdbs = (values: unknown) => ofServer(ofKind(render({ values }), 'PodDisruptionBudget'), 'crm');
      expect(pdbs({ servers: { crm: { replicaCount: 1 } } })).toHaveLength(0);
      expect(pdbs({ servers: { crm: { replicaCount: 2 } } })).toHaveLength(1);
      expect(
        pdbs({ servers: { crm: { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4 } } } }),
      ).toHaveLength(0);
      expect(
        pdbs({ servers: { crm: { replicaCount: 1, autoscaling: { enabled: true, minReplicas: 2 } } } }),
      ).toHaveLength(1);
    });

    it('renders nothing for a disabled server', () => {
      const all = render({ values: { servers: { crm: { enabled: false } } } });
      expect(ofServer(all, 'crm')).toEqual([]);
      expect(all.filter((o) => o.metadata.name.includes('crm'))).toEqual([]);
      expect(ofKind(all, 'Deployment')).toHaveLength(DEFAULT_SERVERS.length - 1);
      expect(renderNotes({ values: { servers: { crm: { enabled: false } } } })).not.toContain('crm');
    });

    it('adds a server from values alone, with every object a built-in server gets', () => {
      const all = render({ values: { servers: { billing: {} } } });
      const kinds = (server: string) =>
        ofServer(all, server)
          .map((o) => o.kind)
          .sort();
      expect(kinds('billing')).toEqual(kinds('crm'));
      const container = podSpec(one(all, 'Deployment', 'billing')).containers[0]!;
      expect(container.image).toBe('registry.example.com/mcp-platform/billing:0.1.0');
      expect(envOf(container).get('PUBLIC_URL')).toBe('https://billing.mcp.example.com');
    });

    it('wires the approvals console client and signed webhooks from Secrets, and refuses webhooks without a key', () => {
      const values = {
        servers: {
          crm: {
            approvals: {
              console: { existingSecret: 'mcp-crm-console' },
              webhooks: {
                urls: ['https://hooks.example.com/a'],
                format: 'slack',
                existingSecret: 'mcp-hooks',
              },
            },
          },
        },
      };
      const container = podSpec(one(render({ values }), 'Deployment', 'crm')).containers[0]!;
      const ref = (name: string) => container.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      expect(ref('CONSOLE_OIDC_CLIENT_SECRET')).toEqual({
        name: 'mcp-crm-console',
        key: 'CONSOLE_OIDC_CLIENT_SECRET',
      });
      expect(ref('CONSOLE_SESSION_SECRET')).toEqual({
        name: 'mcp-crm-console',
        key: 'CONSOLE_SESSION_SECRET',
      });
      expect(ref('APPROVAL_WEBHOOK_SECRET')).toEqual({ name: 'mcp-hooks', key: 'APPROVAL_WEBHOOK_SECRET' });
      expect(envOf(container).get('APPROVAL_WEBHOOK_URLS')).toBe('https://hooks.example.com/a');
      expect(envOf(container).get('APPROVAL_WEBHOOK_FORMAT')).toBe('slack');
      const refused = helmTemplate({
        values: { servers: { crm: { approvals: { webhooks: { urls: ['https://hooks.example.com/a'] } } } } },
      });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain('approvals.webhooks.existingSecret is empty');
    });

    it('refuses to turn TLS off without the explicit insecure flag', () => {
      const insecure = { servers: { crm: { ingress: { tls: { enabled: false } } } } };
      const refused = helmTemplate({ values: insecure });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain('servers.crm.ingress.allowInsecure');

      const allowed = render({
        values: { servers: { crm: { ingress: { tls: { enabled: false }, allowInsecure: true } } } },
      });
      const ingress = one(allowed, 'Ingress', 'crm');
      expect((ingress.spec as { tls?: unknown }).tls).toBeUndefined();
      expect(envOf(podSpec(one(allowed, 'Deployment', 'crm')).containers[0]!).get('PUBLIC_URL')).toBe(
        'http://crm.mcp.example.com',
      );
    });

    it('needs publicUrl when the chart does not publish the server itself', () => {
      const refused = helmTemplate({ values: { servers: { crm: { ingress: { enabled: false } } } } });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain('servers.crm.publicUrl is required');
      const all = render({
        values: {
          servers: { crm: { ingress: { enabled: false }, publicUrl: 'https://crm.gateway.example.com' } },
        },
      });
      expect(ofServer(ofKind(all, 'Ingress'), 'crm')).toEqual([]);
      expect(envOf(podSpec(one(all, 'Deployment', 'crm')).containers[0]!).get('PUBLIC_URL')).toBe(
        'https://crm.gateway.example.com',
      );
    });

    it('refuses auth mode none, in the schema and in the templates', () => {
      const values = { servers: { crm: { auth: { mode: 'none' } } } };
      const bySchema = helmTemplate({ values });
      expect(bySchema.ok).toBe(false);
      expect(bySchema.stderr).toContain('/servers/crm/auth/mode');
      const byTemplate = helmTemplate({
        values: { serverDefaults: { auth: { mode: 'none' } } },
        skipSchema: true,
      });
      expect(byTemplate.ok).toBe(false);
      expect(byTemplate.stderr).toContain('auth.mode="none" is refused');
    });

    it('turns CORS on per server for exact origins only, off by default', () => {
      const defaults = render();
      for (const server of DEFAULT_SERVERS) {
        const env = envOf(podSpec(one(defaults, 'Deployment', server)).containers[0]!);
        expect(env.has('CORS_ALLOWED_ORIGINS'), server).toBe(false);
      }
      const all = render({
        values: {
          serverDefaults: { corsAllowedOrigins: ['https://inspector.example.com'] },
          servers: {
            knowledge: { corsAllowedOrigins: ['https://portal.example.com', 'http://localhost:6274'] },
          },
        },
      });
      const corsOf = (server: string) =>
        envOf(podSpec(one(all, 'Deployment', server)).containers[0]!).get('CORS_ALLOWED_ORIGINS');
      expect(corsOf('crm')).toBe('https://inspector.example.com');
      expect(corsOf('knowledge')).toBe('https://portal.example.com,http://localhost:6274');
      for (const origin of ['*', 'https://*.example.com', 'https://portal.example.com/app']) {
        const refused = helmTemplate({ values: { servers: { crm: { corsAllowedOrigins: [origin] } } } });
        expect(refused.ok, origin).toBe(false);
        expect(refused.stderr).toContain('/servers/crm/corsAllowedOrigins/0');
      }
      const reserved = helmTemplate({ values: { servers: { crm: { env: { CORS_ALLOWED_ORIGINS: '*' } } } } });
      expect(reserved.ok).toBe(false);
    });

    it('passes the idle timeout and the keep-alive hint, and refuses a hint longer than the idle timeout', () => {
      const all = render({ values: { servers: { knowledge: { httpIdleTimeoutMs: 125000 } } } });
      const envFor = (server: string) => envOf(podSpec(one(all, 'Deployment', server)).containers[0]!);
      expect(envFor('crm').get('HTTP_IDLE_TIMEOUT_MS')).toBe('72000');
      expect(envFor('crm').get('HTTP_KEEP_ALIVE_HINT_MS')).toBe('5000');
      expect(envFor('knowledge').get('HTTP_IDLE_TIMEOUT_MS')).toBe('125000');
      const refused = helmTemplate({
        values: { servers: { crm: { httpIdleTimeoutMs: 4000, httpKeepAliveHintMs: 5000 } } },
      });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain(
        'servers.crm.httpKeepAliveHintMs=5000 is longer than httpIdleTimeoutMs=4000',
      );
    });

    it('rejects unknown keys in server entries and serverDefaults', () => {
      for (const values of [
        { servers: { crm: { replicaCont: 3 } } },
        { serverDefaults: { ingress: { tlsEnabled: false } } },
        { servers: { crm: { networkPolicy: { egress: { backends: { sap: { port: 443 } } } } } } },
      ]) {
        const result = helmTemplate({ values });
        expect(result.ok, JSON.stringify(values)).toBe(false);
        expect(result.stderr).toContain('additional properties');
      }
    });

    it('refuses credentials in plain env values and takes them from existing Secrets only', () => {
      const refused = helmTemplate({
        values: { servers: { crm: { env: { SALESFORCE_CLIENT_SECRET: 'hunter2' } } } },
      });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain('looks like a credential');

      const all = render({
        values: {
          servers: {
            crm: {
              secretEnv: { SALESFORCE_CLIENT_SECRET: { secretName: 'sf', key: 'client-secret' } },
              secretFiles: [{ secretName: 'sf-key', key: 'key.pem', env: 'SALESFORCE_PRIVATE_KEY_FILE' }],
            },
          },
        },
      });
      expect(ofKind(all, 'Secret')).toEqual([]);
      const spec = podSpec(one(all, 'Deployment', 'crm'));
      const container = spec.containers[0]!;
      const secretEnv = container.env?.find((e) => e.name === 'SALESFORCE_CLIENT_SECRET');
      expect(secretEnv?.valueFrom?.secretKeyRef).toEqual({ name: 'sf', key: 'client-secret' });
      expect(envOf(container).get('SALESFORCE_PRIVATE_KEY_FILE')).toBe('/var/run/secrets/mcp/sf-key/key.pem');
      expect(spec.volumes?.find((v) => v.secret !== undefined)?.secret).toMatchObject({
        secretName: 'sf-key',
      });
      for (const name of ['DATABASE_URL', 'REQUEST_STATE_SECRET', 'REDIS_URL']) {
        expect(container.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef, name).toBeDefined();
      }
    });

    it('gives pods longer than the tool timeout plus drain to stop, and refuses a shorter explicit value', () => {
      const spec = podSpec(
        one(
          render({ values: { servers: { crm: { toolTimeoutMs: 120_000, shutdownGraceMs: 0 } } } }),
          'Deployment',
          'crm',
        ),
      );
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(120 + 5);
      const refused = helmTemplate({ values: { servers: { crm: { terminationGracePeriodSeconds: 60 } } } });
      expect(refused.ok).toBe(false);
      expect(refused.stderr).toContain('terminationGracePeriodSeconds=60 must be longer');
    });

    it('keeps the ingress streaming: no buffering, proxy timeouts above the tool timeout', () => {
      const ingress = one(render(), 'Ingress', 'crm');
      const annotations = ingress.metadata.annotations ?? {};
      expect(annotations['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
      expect(annotations['nginx.ingress.kubernetes.io/proxy-request-buffering']).toBe('off');
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(60);
      const paths = (
        ingress.spec as { rules: { http: { paths: { path: string }[] } }[] }
      ).rules[0]!.http.paths.map((p) => p.path);
      expect(paths).toContain('/mcp');
      expect(paths).not.toContain('/metrics');
      const refused = helmTemplate({
        values: { servers: { crm: { ingress: { proxyTimeoutSeconds: 30 } } } },
      });
      expect(refused.ok).toBe(false);
    });

    it('runs migrations as a pre-install/pre-upgrade hook that needs no object of the release', () => {
      const job = one(render(), 'Job', 'crm');
      expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      expect(job.metadata.annotations?.['helm.sh/hook-delete-policy']).toContain('before-hook-creation');
      const spec = podSpec(job);
      expect(spec.serviceAccountName).toBeUndefined();
      expect(spec.containers[0]?.command).toEqual(['node', 'dist/main.js', 'migrate']);
      // Not selected by the Service: a running migration pod must never receive traffic.
      const service = one(render(), 'Service', 'crm');
      const selector = (service.spec as { selector: Record<string, string> }).selector;
      const podLabels = (job.spec as { template: { metadata: { labels: Record<string, string> } } }).template
        .metadata.labels;
      expect(Object.entries(selector).every(([k, v]) => podLabels[k] === v)).toBe(false);
    });

    it('limits traffic with a NetworkPolicy: ingress from the controller, egress to DNS, databases and backends', () => {
      const enableFinance = { servers: { finance: { enabled: true } } };
      const policy = one(
        render({ files: ['deploy/production.yaml'], values: enableFinance }),
        'NetworkPolicy',
        'finance',
      );
      const spec = policy.spec as { policyTypes: string[]; egress: { ports: { port: number }[] }[] };
      expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const ports = spec.egress.flatMap((rule) => rule.ports.map((p) => p.port));
      expect(ports).toEqual(expect.arrayContaining([53, 5432, 6380, 3128, 44300]));
      expect(ports).not.toContain(80);
    });

    it('one value puts every server on the shared audit trail (its own key) and one the OTLP collector', () => {
      const plain = render();
      for (const server of DEFAULT_SERVERS) {
        const names = podSpec(one(plain, 'Deployment', server)).containers[0]!.env?.map((e) => e.name);
        expect(names).not.toContain('AUDIT_DATABASE_URL');
        expect(names).not.toContain('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
      }
      const all = render({
        values: {
          serverDefaults: {
            auditDatabase: { existingSecret: 'mcp-audit', migrate: { existingSecret: 'mcp-audit-owner' } },
            tracing: {
              otlpEndpoint: 'http://otel-collector.monitoring:4318/v1/traces',
              sampler: 'parentbased_traceidratio',
              samplerRatio: 0.25,
            },
          },
        },
      });
      for (const server of DEFAULT_SERVERS) {
        const container = podSpec(one(all, 'Deployment', server)).containers[0]!;
        // Each server its own key (its own role), never a shared credential.
        expect(container.env?.find((e) => e.name === 'AUDIT_DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
          name: 'mcp-audit',
          key: server,
        });
        expect(envOf(container).get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')).toBe(
          'http://otel-collector.monitoring:4318/v1/traces',
        );
        expect(envOf(container).get('OTEL_TRACES_SAMPLER')).toBe('parentbased_traceidratio');
        expect(envOf(container).get('OTEL_TRACES_SAMPLER_ARG')).toBe('0.25');
        const migration = podSpec(one(all, 'Job', server)).containers[0]!;
        expect(
          migration.env?.find((e) => e.name === 'AUDIT_MIGRATE_DATABASE_URL')?.valueFrom?.secretKeyRef,
        ).toEqual({ name: 'mcp-audit-owner', key: 'AUDIT_MIGRATE_DATABASE_URL' });
        const policy = one(all, 'NetworkPolicy', server).spec as { egress: { ports: { port: number }[] }[] };
        expect(policy.egress.flatMap((rule) => rule.ports.map((p) => p.port))).toContain(4318);
      }
      const badSampler = helmTemplate({ values: { serverDefaults: { tracing: { sampler: 'sometimes' } } } });
      expect(badSampler.ok).toBe(false);
      const badEndpoint = helmTemplate({
        values: { serverDefaults: { tracing: { otlpEndpoint: 'collector:4318' } } },
      });
      expect(badEndpoint.ok).toBe(false);
      const injected = helmTemplate({
        values: {
          servers: { crm: { env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://elsewhere/v1/traces' } } },
        },
      });
      expect(injected.ok).toBe(false);
    });

    it('names the server, label and port of each object after the server', () => {
      const all = render({ values: { fullnameOverride: 'platform' } });
      expect(one(all, 'Deployment', 'crm').metadata.name).toBe('platform-crm');
      const long = render({ values: { fullnameOverride: 'x'.repeat(70) } });
      for (const object of long) expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    });

    it('prints how to connect Claude Code and claude.ai to every enabled server', () => {
      const notes = renderNotes({ files: ['deploy/production.yaml'] });
      for (const server of DEFAULT_SERVERS) {
        expect(notes).toContain(
          `claude mcp add --transport http ${server} https://${server}.mcp.example.com/mcp`,
        );
        expect(notes).toContain(`URL https://${server}.mcp.example.com/mcp`);
      }
    });

    it('ships a Grafana dashboard that parses as JSON', () => {
      const [configMap] = ofKind(render(), 'ConfigMap');
      expect(configMap?.metadata.labels?.grafana_dashboard).toBe('1');
      const dashboard = JSON.parse(configMap?.data?.['mcp-platform.json'] ?? '') as { panels: unknown[] };
      expect(dashboard.panels.length).toBeGreaterThan(5);
    });
  });

  describe('Argo CD Applications', () => {
    it.each(readdirSync(join(ROOT, 'deploy/argocd')).filter((f) => f.endsWith('.yaml')))(
      '%s points at the chart and an existing values file',
      (file) => {
        const [app] = parseYamlStream(readFileSync(join(ROOT, 'deploy/argocd', file), 'utf8')) as K8sObject[];
        if (app === undefined) throw new Error(`${file} holds no document`);
        expect(app.kind).toBe('Application');
        const source = (app.spec as { source: { path: string; helm: { valueFiles: string[] } } }).source;
        expect(source.path).toBe('helm/mcp-platform');
        for (const valueFile of source.helm.valueFiles) {
          expect(ENV_FILES).toContain(join(source.path, valueFile).replace(/^(\.\.\/)*/, ''));
        }
        // The chart renders the HPA's minimum as spec.replicas: Argo CD must not re-apply it.
        const spec = app.spec as {
          ignoreDifferences?: { kind: string; jsonPointers: string[] }[];
          syncPolicy: { syncOptions: string[] };
        };
        expect(spec.ignoreDifferences).toContainEqual(
          expect.objectContaining({ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }),
        );
        expect(spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
      },
    );
  });
});
