import type { Random } from '@mcp-platform/server-kit';
import type { CorpusDocument } from './types.ts';

interface Service {
  name: string;
  team: string;
  tier: 1 | 2 | 3;
  language: string;
  datastore: string;
  upstreams: string[];
  purpose: string;
}

export const SERVICES: readonly Service[] = [
  {
    name: 'payment-service',
    team: 'Payments',
    tier: 1,
    language: 'Java',
    datastore: 'PostgreSQL (payments-db)',
    upstreams: ['fraud-detection', 'ledger-service', 'card processor gateway'],
    purpose: 'authorises and captures card and wallet payments for checkout',
  },
  {
    name: 'checkout-api',
    team: 'Commerce',
    tier: 1,
    language: 'Go',
    datastore: 'Redis (checkout-sessions)',
    upstreams: ['cart-service', 'payment-service', 'pricing-engine'],
    purpose: 'orchestrates the checkout flow for web and mobile',
  },
  {
    name: 'order-service',
    team: 'Commerce',
    tier: 1,
    language: 'Kotlin',
    datastore: 'PostgreSQL (orders-db)',
    upstreams: ['inventory-service', 'payment-service', 'shipping-service'],
    purpose: 'creates and tracks customer orders',
  },
  {
    name: 'inventory-service',
    team: 'Supply Chain',
    tier: 1,
    language: 'Java',
    datastore: 'PostgreSQL (inventory-db)',
    upstreams: ['catalog-service', 'kafka-platform'],
    purpose: 'keeps stock levels per warehouse and reserves items for orders',
  },
  {
    name: 'auth-gateway',
    team: 'Identity',
    tier: 1,
    language: 'Go',
    datastore: 'Redis (token-cache)',
    upstreams: ['identity-provider', 'user-profile-service'],
    purpose: 'validates sessions and access tokens in front of every public API',
  },
  {
    name: 'user-profile-service',
    team: 'Identity',
    tier: 2,
    language: 'TypeScript',
    datastore: 'PostgreSQL (profiles-db)',
    upstreams: ['document-store'],
    purpose: 'stores customer profiles, addresses and preferences',
  },
  {
    name: 'notification-service',
    team: 'Engagement',
    tier: 2,
    language: 'TypeScript',
    datastore: 'Kafka topics notify.*',
    upstreams: ['email-dispatcher', 'SMS provider'],
    purpose: 'sends push, SMS and e-mail notifications',
  },
  {
    name: 'search-service',
    team: 'Discovery',
    tier: 2,
    language: 'Java',
    datastore: 'OpenSearch cluster search-prod',
    upstreams: ['catalog-service'],
    purpose: 'serves product search and autocomplete',
  },
  {
    name: 'recommendation-engine',
    team: 'Discovery',
    tier: 3,
    language: 'Python',
    datastore: 'feature store (Redis)',
    upstreams: ['data-warehouse-etl', 'catalog-service'],
    purpose: 'ranks personalised product recommendations',
  },
  {
    name: 'billing-service',
    team: 'Finance Engineering',
    tier: 1,
    language: 'Java',
    datastore: 'PostgreSQL (billing-db)',
    upstreams: ['ledger-service', 'invoice-generator'],
    purpose: 'runs subscription billing cycles and dunning',
  },
  {
    name: 'invoice-generator',
    team: 'Finance Engineering',
    tier: 2,
    language: 'Python',
    datastore: 'object storage bucket invoices-prod',
    upstreams: ['billing-service', 'document-store'],
    purpose: 'renders and archives invoices as PDF',
  },
  {
    name: 'shipping-service',
    team: 'Supply Chain',
    tier: 2,
    language: 'Kotlin',
    datastore: 'PostgreSQL (shipping-db)',
    upstreams: ['carrier APIs', 'order-service'],
    purpose: 'books shipments with carriers and tracks parcels',
  },
  {
    name: 'fraud-detection',
    team: 'Risk',
    tier: 1,
    language: 'Python',
    datastore: 'Redis (risk-features)',
    upstreams: ['kafka-platform', 'user-profile-service'],
    purpose: 'scores payments and account events for fraud risk',
  },
  {
    name: 'ledger-service',
    team: 'Finance Engineering',
    tier: 1,
    language: 'Java',
    datastore: 'PostgreSQL (ledger-db)',
    upstreams: ['kafka-platform'],
    purpose: 'records double-entry accounting movements for every payment',
  },
  {
    name: 'reporting-pipeline',
    team: 'Data Platform',
    tier: 3,
    language: 'Python',
    datastore: 'data warehouse',
    upstreams: ['data-warehouse-etl'],
    purpose: 'builds daily finance and operations reports',
  },
  {
    name: 'data-warehouse-etl',
    team: 'Data Platform',
    tier: 2,
    language: 'Python',
    datastore: 'data warehouse',
    upstreams: ['kafka-platform', 'postgres-platform'],
    purpose: 'loads operational data into the warehouse every 15 minutes',
  },
  {
    name: 'customer-portal',
    team: 'Customer Experience',
    tier: 2,
    language: 'TypeScript',
    datastore: 'none (stateless)',
    upstreams: ['auth-gateway', 'order-service', 'billing-service'],
    purpose: 'serves the self-service customer web portal',
  },
  {
    name: 'mobile-backend',
    team: 'Mobile',
    tier: 1,
    language: 'Go',
    datastore: 'Redis (mobile-sessions)',
    upstreams: ['auth-gateway', 'checkout-api', 'notification-service'],
    purpose: 'aggregates APIs for the iOS and Android apps',
  },
  {
    name: 'api-gateway',
    team: 'Platform',
    tier: 1,
    language: 'Envoy configuration',
    datastore: 'none (stateless)',
    upstreams: ['auth-gateway'],
    purpose: 'routes and rate-limits all external API traffic',
  },
  {
    name: 'identity-provider',
    team: 'Identity',
    tier: 1,
    language: 'Java (Keycloak)',
    datastore: 'PostgreSQL (idp-db)',
    upstreams: ['corporate directory'],
    purpose: 'issues OAuth tokens for customers and staff',
  },
  {
    name: 'email-dispatcher',
    team: 'Engagement',
    tier: 3,
    language: 'Go',
    datastore: 'Kafka topic email.outbound',
    upstreams: ['e-mail delivery provider'],
    purpose: 'renders templates and hands e-mail to the delivery provider',
  },
  {
    name: 'pricing-engine',
    team: 'Commerce',
    tier: 1,
    language: 'Kotlin',
    datastore: 'Redis (price-cache)',
    upstreams: ['catalog-service', 'promotions rules store'],
    purpose: 'computes prices, discounts and taxes for baskets',
  },
  {
    name: 'catalog-service',
    team: 'Discovery',
    tier: 2,
    language: 'Java',
    datastore: 'PostgreSQL (catalog-db)',
    upstreams: ['document-store'],
    purpose: 'owns product data, images and attributes',
  },
  {
    name: 'cart-service',
    team: 'Commerce',
    tier: 2,
    language: 'Go',
    datastore: 'Redis (carts)',
    upstreams: ['pricing-engine', 'inventory-service'],
    purpose: 'keeps shopping carts across devices',
  },
  {
    name: 'loyalty-service',
    team: 'Engagement',
    tier: 3,
    language: 'TypeScript',
    datastore: 'PostgreSQL (loyalty-db)',
    upstreams: ['order-service'],
    purpose: 'accrues and redeems loyalty points',
  },
  {
    name: 'document-store',
    team: 'Platform',
    tier: 2,
    language: 'Go',
    datastore: 'object storage',
    upstreams: [],
    purpose: 'stores uploaded files and generated documents',
  },
  {
    name: 'kafka-platform',
    team: 'Platform',
    tier: 1,
    language: 'Kafka 3.7',
    datastore: 'broker disks',
    upstreams: [],
    purpose: 'runs the shared event streaming clusters',
  },
  {
    name: 'postgres-platform',
    team: 'Database Reliability',
    tier: 1,
    language: 'PostgreSQL 15',
    datastore: 'managed volumes',
    upstreams: [],
    purpose: 'runs the shared PostgreSQL clusters and their replicas',
  },
  {
    name: 'redis-cache',
    team: 'Platform',
    tier: 2,
    language: 'Redis 7',
    datastore: 'memory',
    upstreams: [],
    purpose: 'runs the shared Redis clusters used for caching and sessions',
  },
  {
    name: 'vpn-gateway',
    team: 'Corporate IT',
    tier: 2,
    language: 'WireGuard',
    datastore: 'none',
    upstreams: ['identity-provider'],
    purpose: 'gives employees remote access to internal systems',
  },
];

function human(name: string): string {
  return name
    .split('-')
    .map((w) =>
      w === 'api' || w === 'vpn' || w === 'etl' ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1),
    )
    .join(' ');
}

function slack(s: Service): string {
  return `#oncall-${s.team.toLowerCase().replace(/\s+/g, '-')}`;
}

interface Kind {
  key: string;
  title: string;
  alert: (s: Service, r: Random) => string;
  symptoms: (s: Service, r: Random) => string[];
  diagnosis: (s: Service, r: Random) => string[];
  mitigation: (s: Service, r: Random) => string[];
  tags: string[];
}

const KINDS: readonly Kind[] = [
  {
    key: 'latency',
    title: 'latency runbook',
    tags: ['latency', 'performance'],
    alert: (s, r) =>
      `${s.name}-p99-latency-high (p99 above ${r.pick([300, 500, 800, 1200])} ms for 10 minutes)`,
    symptoms: (s, r) => [
      `The p99 latency of ${s.name} rises above its SLO while the request rate stays flat.`,
      `Callers of ${s.name} report timeouts after ${r.pick([2, 3, 5])} seconds.`,
      `Thread pool or connection pool saturation shows on the "${human(s.name)} / Saturation" dashboard.`,
    ],
    diagnosis: (s) => [
      `Open the "${human(s.name)} overview" dashboard and compare latency per endpoint; a single slow endpoint usually points at one dependency.`,
      `Check the latency of the datastore (${s.datastore}); slow queries show in the "slow query" panel.`,
      `Run \`kubectl -n ${s.name} top pods\` to spot CPU throttling; throttled pods add queueing delay.`,
      `Look for a recent deployment with \`kubectl -n ${s.name} rollout history deploy/${s.name}\`.`,
      ...s.upstreams
        .slice(0, 2)
        .map((u) => `Check whether ${u} is degraded: its latency adds directly to ours.`),
    ],
    mitigation: (s, r) => [
      `Scale out: \`kubectl -n ${s.name} scale deploy/${s.name} --replicas=${r.pick([12, 16, 20, 24])}\` (the HPA maximum is ${r.pick([24, 30, 40])}).`,
      `If one dependency is slow, enable the degraded mode feature flag \`${s.name}.degraded-mode\` so non-critical calls are skipped.`,
      `If a deployment in the last two hours correlates with the regression, roll it back (see the deployment rollback runbook).`,
      `If the datastore is the bottleneck, page the Database Reliability on-call and ask for the slow queries to be killed.`,
      `Confirm recovery: p99 back under the SLO for 15 minutes before resolving the incident.`,
    ],
  },
  {
    key: 'error-rate',
    title: 'elevated error rate runbook',
    tags: ['errors', 'availability'],
    alert: (s, r) =>
      `${s.name}-5xx-ratio-high (more than ${r.pick([1, 2, 5])}% of requests fail for 5 minutes)`,
    symptoms: (s) => [
      `HTTP 5xx responses or failed gRPC calls from ${s.name} rise above the error budget burn rate.`,
      `Error logs show exceptions from the ${s.language} service, often with the same stack trace.`,
    ],
    diagnosis: (s) => [
      `Group errors by type in the log explorer: \`service:${s.name} level:error | stats count by error.kind\`.`,
      `Check whether errors come from one pod or all pods; one pod suggests a bad node, all pods a bad release or a failing dependency.`,
      `Inspect the circuit breakers on the "${human(s.name)} dependencies" panel.`,
      `Verify the datastore (${s.datastore}) accepts connections.`,
    ],
    mitigation: (s) => [
      `Delete a single misbehaving pod: \`kubectl -n ${s.name} delete pod <pod>\`.`,
      `Roll back the last release if the errors started with it.`,
      `If a dependency fails, fail over to its secondary region or enable the cached fallback \`${s.name}.serve-stale\`.`,
      `Post a status update in ${slack(s)} every 30 minutes until the error ratio is back to normal.`,
    ],
  },
  {
    key: 'outage',
    title: 'outage and failover runbook',
    tags: ['outage', 'failover', 'disaster-recovery'],
    alert: (s) => `${s.name}-unavailable (synthetic checks fail from 3 regions)`,
    symptoms: (s) => [
      `Synthetic checks against ${s.name} fail from every region.`,
      `Dependent services report connection refused or DNS resolution failures for ${s.name}.`,
    ],
    diagnosis: (s) => [
      `Confirm the outage is not a monitoring problem: call the health endpoint \`https://${s.name}.internal.example.com/healthz\` from a bastion.`,
      `Check the cloud provider status page and the cluster events: \`kubectl -n ${s.name} get events --sort-by=.lastTimestamp\`.`,
      `Check the state of the datastore (${s.datastore}).`,
    ],
    mitigation: (s, r) => [
      `Declare a SEV${s.tier} incident in ${slack(s)} and name an incident commander.`,
      `Fail over to the secondary region: run the \`failover-${s.name}\` pipeline and confirm traffic shifts within ${r.pick([5, 10, 15])} minutes.`,
      `Keep the primary region drained until the root cause is understood.`,
      `After recovery, fail back during a low-traffic window and write the postmortem within 5 business days.`,
    ],
  },
  {
    key: 'disk-full',
    title: 'disk space and storage runbook',
    tags: ['storage', 'capacity'],
    alert: (s, r) => `${s.name}-volume-usage-high (more than ${r.pick([80, 85, 90])}% used)`,
    symptoms: (s) => [
      `Write errors ("no space left on device") in the ${s.name} logs.`,
      `The datastore (${s.datastore}) switches to read-only or refuses new connections.`,
    ],
    diagnosis: (s) => [
      `Find the largest directories on the volume: \`kubectl -n ${s.name} exec <pod> -- du -xh /data | sort -h | tail\`.`,
      `Check whether log rotation runs; a stopped rotation fills the disk with old logs.`,
      `For PostgreSQL-backed services, check WAL retention and replication slots that stopped advancing.`,
    ],
    mitigation: (s, r) => [
      `Expand the persistent volume by ${r.pick([20, 50, 100])} GiB through the storage pipeline (online expansion is supported).`,
      `Delete rotated logs older than 7 days; never delete data files by hand.`,
      `Drop a stuck replication slot only with approval from Database Reliability.`,
      `Open a capacity ticket so the growth is planned for in the next quarter (owner: ${s.team}).`,
    ],
  },
  {
    key: 'certificate-expiry',
    title: 'TLS certificate expiry runbook',
    tags: ['tls', 'certificates', 'security'],
    alert: (s, r) => `${s.name}-certificate-expiring (expires in less than ${r.pick([7, 14, 21])} days)`,
    symptoms: () => [
      'Clients log TLS handshake failures or "certificate has expired".',
      'The certificate inventory dashboard shows the certificate in red.',
    ],
    diagnosis: (s) => [
      `Inspect the served certificate: \`openssl s_client -connect ${s.name}.internal.example.com:443 -servername ${s.name}.internal.example.com\`.`,
      'Check the cert-manager Certificate resource and its last renewal attempt.',
      'Verify the issuer (internal CA or ACME) is reachable from the cluster.',
    ],
    mitigation: (s) => [
      `Trigger a renewal: \`cmctl renew -n ${s.name} ${s.name}-tls\`.`,
      'If the issuer is down, request a manual certificate from the Security team (ticket type "Certificate request").',
      'Restart the pods only if the service does not reload certificates by itself.',
      'Record the renewal date in the certificate inventory.',
    ],
  },
  {
    key: 'deployment-rollback',
    title: 'deployment rollback runbook',
    tags: ['deployment', 'rollback', 'release'],
    alert: (s) => `${s.name}-release-health-failed (canary analysis failed)`,
    symptoms: (s) => [
      `The canary of ${s.name} fails its automated analysis, or error rate and latency change right after a release.`,
    ],
    diagnosis: (s) => [
      `List recent releases: \`kubectl -n ${s.name} rollout history deploy/${s.name}\`.`,
      'Compare the canary and baseline metrics in the release dashboard.',
      'Check whether the release includes a database migration; migrations change the rollback procedure.',
    ],
    mitigation: (s) => [
      `Roll back: \`kubectl -n ${s.name} rollout undo deploy/${s.name}\` and watch \`rollout status\`.`,
      'If the release ran a forward-only migration, do not roll back the schema: deploy the previous application version that is compatible with it.',
      'Freeze further deployments of the service with the deploy-freeze label until the fix is reviewed.',
      `Announce the rollback in ${slack(s)} with the release number.`,
    ],
  },
];

function numbered(items: readonly string[]): string {
  return items.map((item, i) => `${i + 1}. ${item}`).join('\n');
}

export function runbooks(random: Random, daysAgo: (r: Random) => number, now: Date): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  for (const service of SERVICES) {
    for (const kind of KINDS) {
      const title = `${human(service.name)} ${kind.title}`;
      const updated = new Date(now.getTime() - daysAgo(random) * 86_400_000);
      const rota = `${service.team} primary on-call (PagerDuty schedule "${service.team} - primary")`;
      const markdown = `---
title: ${title}
tags: [runbook, ${service.name}, ${kind.tags.join(', ')}, tier-${service.tier}]
url: https://wiki.example.com/ops/runbooks/${service.name}/${kind.key}
updated: ${updated.toISOString()}
---
# ${title}

${human(service.name)} ${service.purpose}. It is a tier ${service.tier} service owned by the ${service.team} team, written in ${service.language}, and stores its data in ${service.datastore}.

## When to use this runbook

Use it when the alert \`${kind.alert(service, random)}\` fires, or when a user reports the symptoms below.

## Symptoms

${kind
  .symptoms(service, random)
  .map((s) => `- ${s}`)
  .join('\n')}

## Impact

${
  service.tier === 1
    ? `Customer-facing: every minute of degradation affects checkout or sign-in. Treat it as SEV${random.pick([1, 2])} until proven otherwise.`
    : `Degraded experience for some users; no data loss expected. Treat it as SEV${random.pick([3, 4])} unless it lasts more than an hour.`
}
Upstream dependencies: ${service.upstreams.length > 0 ? service.upstreams.join(', ') : 'none'}.

## Diagnosis

${numbered(kind.diagnosis(service, random))}

## Mitigation steps

${numbered(kind.mitigation(service, random))}

## Escalation

Page the ${rota}. If there is no acknowledgement within ${random.pick([5, 10, 15])} minutes, page the ${service.team} engineering manager. Coordinate in ${slack(service)}.

## After the incident

Write a postmortem for any SEV1 or SEV2 within 5 business days and link it from this runbook. Review this runbook if a step was wrong or missing.
`;
      docs.push({
        path: `runbooks/${service.name}/${kind.key}.md`,
        space: { key: 'OPS', name: 'Operations runbooks' },
        markdown,
      });
    }
  }
  return docs;
}
