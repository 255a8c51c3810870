/**
 * The sandbox instance's demo data, generated deterministically from an anchor date and a seed: a
 * CMDB of business services, applications, databases, hosts and load balancers with relationships;
 * months of incidents with journals and SLAs; problems; change requests across the calendar; users
 * and groups. Records use ServiceNow's table and field names and value formats (choice values,
 * `YYYY-MM-DD HH:MM:SS` UTC datetimes, references as sys_ids), so the sandbox tables and the fake
 * instance in the tests hold exactly the same rows.
 *
 * The on-call story is planted on the anchor date: payments-db was upgraded by a change the evening
 * before, and payment-service latency incidents follow in the early morning (the knowledge server's
 * demo corpus has the matching "Payment Service latency runbook").
 */
import { createHash } from 'node:crypto';
import { type Random, seededRandom } from '@mcp-platform/server-kit';
import { DEFAULT_CLOSE_CODES, derivePriority } from '../model.ts';

export type SeedRecord = Record<string, string>;
export type SeedTables = Record<SeedTable, SeedRecord[]>;
export const SEED_TABLES = [
  'sys_user_group',
  'sys_user',
  'cmdb_ci',
  'cmdb_rel_ci',
  'problem',
  'change_request',
  'incident',
  'sys_journal_field',
  'contract_sla',
  'task_sla',
  'sys_choice',
] as const;
export type SeedTable = (typeof SEED_TABLES)[number];

/** A deterministic 32-hex sys_id for record `n` of `table`. */
export function seedSysId(table: string, n: number): string {
  const head = createHash('sha256').update(table).digest('hex').slice(0, 8);
  return `${head}${n.toString(16).padStart(24, '0')}`;
}

/** The integration user writes are made as (its name shows in `sys_created_by`). */
export const INTEGRATION_USER = 'mcp.integration';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** `YYYY-MM-DD HH:MM:SS` (UTC), ServiceNow's datetime value format. */
export function snDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

interface ServiceSpec {
  name: string;
  group: string;
  apps: Array<{ name: string; db?: string; dependsOn?: string[] }>;
}

const SERVICES: readonly ServiceSpec[] = [
  {
    name: 'Payments',
    group: 'Payments SRE',
    apps: [
      { name: 'payment-service', db: 'payments-db', dependsOn: ['fraud-detection', 'ledger-service'] },
      { name: 'fraud-detection' },
      { name: 'ledger-service', db: 'ledger-db' },
    ],
  },
  {
    name: 'Checkout',
    group: 'Commerce SRE',
    apps: [
      { name: 'checkout-api', dependsOn: ['payment-service', 'cart-service', 'pricing-engine'] },
      { name: 'cart-service' },
      { name: 'pricing-engine', db: 'pricing-db' },
    ],
  },
  {
    name: 'Orders',
    group: 'Commerce SRE',
    apps: [
      { name: 'order-service', db: 'orders-db', dependsOn: ['inventory-service', 'payment-service'] },
      { name: 'inventory-service', db: 'inventory-db' },
      { name: 'shipping-service', db: 'shipping-db' },
    ],
  },
  {
    name: 'Identity',
    group: 'Identity Ops',
    apps: [
      { name: 'auth-gateway', dependsOn: ['identity-provider'] },
      { name: 'identity-provider', db: 'idp-db' },
      { name: 'user-profile-service', db: 'profiles-db' },
    ],
  },
  {
    name: 'Search',
    group: 'Discovery Ops',
    apps: [
      { name: 'search-service', dependsOn: ['catalog-service'] },
      { name: 'catalog-service', db: 'catalog-db' },
      { name: 'recommendation-engine' },
    ],
  },
];

const GROUPS = [
  'Payments SRE',
  'Commerce SRE',
  'Identity Ops',
  'Discovery Ops',
  'Database Administration',
  'Service Desk',
  'Network Operations',
  'Change Advisory Board',
] as const;

const FIRST = [
  'Ana',
  'Ben',
  'Chen',
  'Dana',
  'Eli',
  'Fatima',
  'Goran',
  'Hana',
  'Ivan',
  'Jade',
  'Kofi',
  'Lena',
];
const LAST = ['Okafor', 'Schmidt', 'Tanaka', 'Silva', 'Novak', 'Haddad', 'Larsen', 'Moreau'];

const SYMPTOMS = [
  (ci: string) => `${ci} error rate above 2%`,
  (ci: string) => `${ci} p99 latency above SLO`,
  (ci: string) => `${ci} pods restarting (OOMKilled)`,
  (ci: string) => `Disk usage above 85% on ${ci}`,
  (ci: string) => `${ci} health check failing on one node`,
  (ci: string) => `Users report timeouts from ${ci}`,
  (ci: string) => `Certificate for ${ci} expires in 14 days`,
  (ci: string) => `${ci} connection pool exhausted`,
];
const NOTES = [
  'Acknowledged, looking at the dashboards.',
  'Rolled back the last deployment; watching error rates.',
  'Restarted the affected node; metrics back to normal.',
  'Scaled out by two replicas as a mitigation.',
  'Waiting for the vendor to confirm the root cause.',
  'Linked to the known problem; applying the documented workaround.',
];
const CHANGE_TITLES = [
  (ci: string) => `Patch OS on ${ci}`,
  (ci: string) => `Deploy new release of ${ci}`,
  (ci: string) => `Rotate TLS certificates for ${ci}`,
  (ci: string) => `Increase memory limits for ${ci}`,
  (ci: string) => `Apply configuration change to ${ci}`,
];
const CATEGORIES = ['software', 'hardware', 'network', 'database', 'inquiry'];

class Ids {
  private readonly counters = new Map<string, number>();
  next(table: string): string {
    const n = (this.counters.get(table) ?? 0) + 1;
    this.counters.set(table, n);
    return seedSysId(table, n);
  }
}

/** The demo instance's rows, in ServiceNow field names. Same anchor date and seed, same rows. */
export function seedTables(anchorDate: string, seed: number): SeedTables {
  const r: Random = seededRandom(seed);
  const ids = new Ids();
  const now = Date.parse(`${anchorDate}T09:00:00Z`);
  const t: SeedTables = Object.fromEntries(SEED_TABLES.map((name) => [name, []])) as unknown as SeedTables;

  // Groups and users: four people per group, the first one its manager.
  const groupId = new Map<string, string>();
  const members = new Map<string, string[]>();
  const users: Array<{ id: string; name: string }> = [];
  for (const name of GROUPS) {
    const id = ids.next('sys_user_group');
    groupId.set(name, id);
    const people: string[] = [];
    for (let i = 0; i < 4; i++) {
      const userId = ids.next('sys_user');
      const first = FIRST[(users.length * 5) % FIRST.length]!;
      const last = LAST[(users.length * 3 + i) % LAST.length]!;
      const userName = `${first}.${last}${users.length}`.toLowerCase();
      t.sys_user.push({
        sys_id: userId,
        user_name: userName,
        name: `${first} ${last}`,
        email: `${userName}@example.com`,
      });
      users.push({ id: userId, name: `${first} ${last}` });
      people.push(userId);
    }
    members.set(name, people);
    t.sys_user_group.push({
      sys_id: id,
      name,
      manager: people[0]!,
      email: `${name.toLowerCase().replaceAll(' ', '-')}@example.com`,
    });
  }
  const integrationId = ids.next('sys_user');
  t.sys_user.push({
    sys_id: integrationId,
    user_name: INTEGRATION_USER,
    name: 'MCP Integration',
    email: 'mcp.integration@example.com',
  });
  const person = (group: string) => r.pick(members.get(group)!);
  const userName = (id: string) => t.sys_user.find((u) => u.sys_id === id)?.user_name ?? INTEGRATION_USER;

  // CMDB: services → applications → databases, applications and databases run on hosts; LBs in front.
  const ciId = new Map<string, string>();
  const ciService = new Map<string, string>();
  const ciGroup = new Map<string, string>();
  const addCi = (name: string, cls: string, service: string, group: string, description: string) => {
    const id = ids.next('cmdb_ci');
    ciId.set(name, id);
    ciService.set(name, service);
    ciGroup.set(name, group);
    t.cmdb_ci.push({
      sys_id: id,
      name,
      sys_class_name: cls,
      environment: 'Production',
      operational_status: '1',
      support_group: groupId.get(group)!,
      managed_by_group: groupId.get(cls === 'cmdb_ci_db_instance' ? 'Database Administration' : group)!,
      short_description: description,
    });
    return id;
  };
  const relate = (parent: string, child: string, type: string) => {
    t.cmdb_rel_ci.push({
      sys_id: ids.next('cmdb_rel_ci'),
      parent: ciId.get(parent)!,
      child: ciId.get(child)!,
      type,
    });
  };
  const DEPENDS = 'Depends on::Used by';
  const RUNS = 'Runs on::Runs';
  for (const s of SERVICES) addCi(s.name, 'cmdb_ci_service', s.name, s.group, `${s.name} business service`);
  for (const s of SERVICES) {
    for (const app of s.apps) {
      addCi(app.name, 'cmdb_ci_appl', s.name, s.group, `${app.name} application`);
      relate(s.name, app.name, DEPENDS);
      if (app.db) {
        addCi(
          app.db,
          'cmdb_ci_db_instance',
          s.name,
          'Database Administration',
          `PostgreSQL cluster for ${app.name}`,
        );
        relate(app.name, app.db, DEPENDS);
        for (const role of ['01', '02']) {
          const host = `${app.db}-${role}`;
          addCi(
            host,
            'cmdb_ci_linux_server',
            s.name,
            'Database Administration',
            `${role === '01' ? 'Primary' : 'Replica'} host of ${app.db}`,
          );
          relate(app.db, host, RUNS);
        }
      }
      const hosts = 5 + (app.name.length % 4);
      for (let i = 1; i <= hosts; i++) {
        const host = `${app.name.split('-')[0]}-app-${String(i).padStart(2, '0')}`;
        const hostName = ciId.has(host) ? `${app.name}-app-${String(i).padStart(2, '0')}` : host;
        addCi(hostName, 'cmdb_ci_linux_server', s.name, s.group, `Application host of ${app.name}`);
        relate(app.name, hostName, RUNS);
      }
    }
    const lb = `${s.name.toLowerCase()}-lb`;
    addCi(lb, 'cmdb_ci_lb', s.name, 'Network Operations', `Load balancer in front of ${s.name}`);
    relate(s.name, lb, DEPENDS);
  }
  for (const s of SERVICES)
    for (const app of s.apps) for (const dep of app.dependsOn ?? []) relate(app.name, dep, DEPENDS);
  const ciNames = [...ciId.keys()];
  const appAndDb = t.cmdb_ci.filter((c) => c.sys_class_name !== 'cmdb_ci_service').map((c) => c.name!);

  // SLA definitions and close codes.
  const slaDefs = (['1', '2', '3', '4', '5'] as const).map((p, i) => {
    const hours = [4, 8, 72, 120, 240][i]!;
    const sys_id = ids.next('contract_sla');
    t.contract_sla.push({
      sys_id,
      name: `P${p} resolution (${hours < 24 ? `${hours} hours` : `${hours / 24} days`})`,
      duration_hours: String(hours),
    });
    return { sys_id, hours };
  });
  DEFAULT_CLOSE_CODES.forEach((code, i) => {
    t.sys_choice.push({
      sys_id: ids.next('sys_choice'),
      name: 'incident',
      element: 'close_code',
      value: code,
      label: code,
      inactive: 'false',
      language: 'en',
      sequence: String(i),
    });
  });
  t.sys_choice.push({
    sys_id: ids.next('sys_choice'),
    name: 'incident',
    element: 'close_code',
    value: 'Legacy code',
    label: 'Legacy code',
    inactive: 'true',
    language: 'en',
    sequence: '99',
  });

  // Problems.
  const problems: string[] = [];
  for (let i = 0; i < 24; i++) {
    const ci = r.pick(appAndDb);
    const id = ids.next('problem');
    problems.push(id);
    t.problem.push({
      sys_id: id,
      number: `PRB${String(40_001 + i).padStart(7, '0')}`,
      short_description: `Recurring ${r.pick(['timeouts', 'restarts', 'latency spikes', 'disk pressure'])} on ${ci}`,
      state: r.pick(['101', '102', '103', '106']),
      cmdb_ci: ciId.get(ci)!,
      opened_at: snDateTime(now - r.int(20, 180) * DAY),
    });
  }

  // Change requests across the calendar: four months back to five weeks ahead.
  let changeNo = 30_001;
  const addChange = (c: {
    ci: string;
    title: string;
    start: number;
    hours: number;
    type?: string;
    state?: string;
    risk?: string;
    description?: string;
  }) => {
    const id = ids.next('change_request');
    const end = c.start + c.hours * HOUR;
    const group = ciGroup.get(c.ci)!;
    const state =
      c.state ??
      (end < now ? r.pick(['3', '3', '3', '4']) : c.start < now ? '-1' : r.pick(['-2', '-3', '-4']));
    t.change_request.push({
      sys_id: id,
      number: `CHG${String(changeNo++).padStart(7, '0')}`,
      short_description: c.title,
      description: c.description ?? `${c.title}. Planned by ${group}.`,
      type: c.type ?? r.pick(['normal', 'normal', 'standard', 'emergency']),
      state,
      risk: c.risk ?? r.pick(['2', '3', '4', '4']),
      impact: '2',
      cmdb_ci: ciId.get(c.ci)!,
      business_service: ciId.get(ciService.get(c.ci)!)!,
      assignment_group: groupId.get(group)!,
      requested_by: person(group),
      start_date: snDateTime(c.start),
      end_date: snDateTime(end),
      justification: 'Keeps the platform supported and secure.',
      implementation_plan: 'Rolling, one node at a time, following the standard procedure.',
      backout_plan: 'Roll back to the previous version.',
      test_plan: 'Smoke tests and dashboards green for 30 minutes.',
      approval:
        state === '-4' || state === '-5' ? 'not requested' : state === '-3' ? 'requested' : 'approved',
      sys_created_on: snDateTime(c.start - r.int(2, 14) * DAY),
      sys_updated_on: snDateTime(Math.min(now - HOUR, end)),
    });
    return id;
  };
  for (let i = 0; i < 118; i++) {
    const ci = r.pick(appAndDb);
    const day = r.int(-120, 35);
    if (ci === 'payments-db' && day >= -3 && day <= 1) continue; // keep the planted change the only one
    addChange({
      ci,
      title: r.pick(CHANGE_TITLES)(ci),
      start: now + day * DAY + r.int(-8, 12) * HOUR,
      hours: r.int(1, 4),
    });
  }
  // The planted change: payments-db upgraded the evening before the story.
  const plantedChange = addChange({
    ci: 'payments-db',
    title: 'Upgrade payments-db to PostgreSQL 15.8 and tune the connection pool',
    description:
      'Minor version upgrade of the payments-db cluster (15.4 → 15.8) with a failover to the replica, and max_connections lowered from 400 to 200.',
    start: now - 11 * HOUR,
    hours: 1.5,
    type: 'normal',
    state: '0',
    risk: '3',
  });

  // Incidents over six months; the planted ones last.
  let incNo = 10_001;
  const addJournal = (
    incident: string,
    element: 'work_notes' | 'comments',
    value: string,
    at: number,
    by: string,
  ) => {
    t.sys_journal_field.push({
      sys_id: ids.next('sys_journal_field'),
      name: 'incident',
      element_id: incident,
      element,
      value,
      sys_created_on: snDateTime(at),
      sys_created_by: by,
    });
  };
  const addIncident = (i: {
    ci: string;
    title: string;
    opened: number;
    impact: '1' | '2' | '3';
    urgency: '1' | '2' | '3';
    state: string;
    problem?: string;
    causedBy?: string;
    notes?: string[];
    category?: string;
  }) => {
    const id = ids.next('incident');
    const group = ciGroup.get(i.ci)!;
    const priority = derivePriority(i.impact, i.urgency);
    const closed = ['6', '7', '8'].includes(i.state);
    const resolved = closed ? i.opened + r.int(1, 60) * HOUR : undefined;
    const assignee = i.state === '1' ? '' : person(group);
    const updated = resolved ?? Math.min(now - 5 * 60_000, i.opened + r.int(1, 6) * HOUR);
    t.incident.push({
      sys_id: id,
      number: `INC${String(incNo++).padStart(7, '0')}`,
      short_description: i.title,
      description: `${i.title}. Detected by monitoring.`,
      state: i.state,
      active: closed ? 'false' : 'true',
      impact: i.impact,
      urgency: i.urgency,
      priority,
      category: i.category ?? r.pick(CATEGORIES),
      assignment_group: groupId.get(group)!,
      assigned_to: assignee,
      cmdb_ci: ciId.get(i.ci)!,
      business_service: ciId.get(ciService.get(i.ci)!)!,
      opened_at: snDateTime(i.opened),
      opened_by: person('Service Desk'),
      sys_updated_on: snDateTime(updated),
      resolved_at: resolved === undefined ? '' : snDateTime(resolved),
      close_code: closed && i.state !== '8' ? r.pick(DEFAULT_CLOSE_CODES.slice(0, 4)) : '',
      close_notes: closed && i.state !== '8' ? r.pick(NOTES) : '',
      problem_id: i.problem ?? '',
      caused_by: i.causedBy ?? '',
    });
    const notes = i.notes ?? Array.from({ length: r.int(1, 3) }, () => r.pick(NOTES));
    notes.forEach((note, k) => {
      addJournal(
        id,
        k === notes.length - 1 && r.next() < 0.3 ? 'comments' : 'work_notes',
        note,
        i.opened + (k + 1) * 20 * 60_000,
        assignee ? userName(assignee) : 'system',
      );
    });
    const sla = slaDefs[Number(priority) - 1]!;
    const due = i.opened + sla.hours * HOUR;
    const end = resolved ?? now;
    t.task_sla.push({
      sys_id: ids.next('task_sla'),
      task: id,
      sla: sla.sys_id,
      stage: closed ? 'completed' : i.state === '3' ? 'paused' : 'in_progress',
      has_breached: end > due ? 'true' : 'false',
      planned_end_time: snDateTime(due),
      percentage: (Math.round(((end - i.opened) / (sla.hours * HOUR)) * 10_000) / 100).toFixed(2),
    });
    return id;
  };
  const background: Array<Parameters<typeof addIncident>[0]> = [];
  for (let i = 0; i < 592; i++) {
    const ci = r.pick(r.next() < 0.7 ? appAndDb.filter((n) => !n.includes('-app-')) : ciNames);
    const age = r.next() ** 1.6 * 180 * DAY;
    const opened = now - 7 * HOUR - age;
    const recent = age < 5 * DAY;
    const impact = r.pick(['1', '2', '2', '3', '3', '3'] as const);
    const urgency = r.pick(['1', '2', '2', '3', '3'] as const);
    background.push({
      ci,
      title: r.pick(SYMPTOMS)(ci),
      opened,
      impact,
      urgency,
      state: recent ? r.pick(['1', '2', '2', '3', '6']) : r.pick(['7', '7', '7', '6', '8']),
      ...(r.next() < 0.08 ? { problem: r.pick(problems) } : {}),
    });
  }
  background.sort((a, b) => a.opened - b.opened);
  for (const b of background) addIncident(b);

  const plantedProblem = ids.next('problem');
  t.problem.push({
    sys_id: plantedProblem,
    number: 'PRB0040100',
    short_description: 'payment-service latency after payments-db maintenance',
    state: '102',
    cmdb_ci: ciId.get('payment-service')!,
    opened_at: snDateTime(now - 35 * DAY),
  });
  addIncident({
    ci: 'payments-db',
    title: 'Slow queries on payments-db after maintenance window',
    opened: now - 3 * HOUR - 20 * 60_000,
    impact: '2',
    urgency: '2',
    state: '2',
    category: 'database',
    causedBy: plantedChange,
    notes: ['Slow query panel shows lock waits on payments.authorisations since 22:40.'],
  });
  addIncident({
    ci: 'payment-service',
    title: 'payment-service p99 latency above 800 ms',
    opened: now - 2 * HOUR - 50 * 60_000,
    impact: '1',
    urgency: '2',
    state: '2',
    category: 'software',
    problem: plantedProblem,
    notes: [
      'Alert payment-service-p99-latency-high fired at 06:10 UTC; request rate is flat.',
      'Checkout reports card payments taking 3-5 seconds.',
    ],
  });
  addIncident({
    ci: 'checkout-api',
    title: 'Checkout card payments timing out intermittently',
    opened: now - 1 * HOUR - 55 * 60_000,
    impact: '2',
    urgency: '2',
    state: '1',
    category: 'software',
    notes: ['Customers report spinning checkout page at the payment step.'],
  });
  return t;
}

export function seedCounts(tables: SeedTables): Record<string, number> {
  return Object.fromEntries(Object.entries(tables).map(([k, v]) => [k, v.length]));
}
