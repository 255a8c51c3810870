/**
 * "What is related to this alert or incident?" — the on-call agent's first question, answered in one
 * call: the configuration items it names (or the incident's CI and service), their direct CMDB
 * neighbours, then open and recent incidents and changes implemented or scheduled around now on any
 * of them, ranked with the reasons. Only backend operations are used, so both backends rank alike.
 */
import type { UpstreamCall } from '@mcp-platform/server-kit';
import type { ItsmBackend } from './backends/itsm-backend.ts';
import type { Change, Ci, Incident, IncidentDetail } from './model.ts';

export interface RelatedOptions {
  now: Date;
  /** Changes that ended up to this many hours ago count as recent. */
  hoursBack: number;
  /** Changes starting up to this many hours ahead count as upcoming. */
  hoursAhead: number;
  /** Incidents opened in the last this-many days (open ones always count). */
  incidentDays: number;
  limit: number;
}

export interface Scored<T> {
  score: number;
  reasons: string[];
  record: T;
}

export interface RelatedResult {
  anchors: Ci[];
  neighbours: Array<{ sysId: string; name: string; class: string; relation: string; of: string }>;
  incidents: Array<Scored<Incident>>;
  changes: Array<Scored<Change>>;
  window: { changesFrom: string; changesTo: string; incidentsSince: string };
}

const HOUR = 3_600_000;

/** Candidate CI names in free text: words of letters, digits, `.`, `_`, `-` (what CMDB names look like). */
export function candidateNames(text: string, max = 40): string[] {
  const words = text.toLowerCase().match(/[a-z0-9][a-z0-9._-]{1,62}[a-z0-9]/g) ?? [];
  const out = new Set<string>();
  for (const w of words) {
    out.add(w);
    // Alert names often extend the service name: payment-service-p99-latency-high → payment-service.
    const parts = w.split('-');
    for (let n = parts.length - 1; n >= 2; n--) out.add(parts.slice(0, n).join('-'));
    if (out.size >= max) break;
  }
  return [...out].slice(0, max);
}

/** Anchors: the most specific CIs named (an alert naming payment-service-p99 matches payment-service). */
export async function anchorsFromText(itsm: ItsmBackend, text: string, call: UpstreamCall): Promise<Ci[]> {
  const found = await itsm.findCis(candidateNames(text), call);
  // A business service named in passing ("team Payments") is broader than the application or
  // database the alert is about: keep services only when nothing more specific matched.
  const specific = found.filter((ci) => ci.class !== 'cmdb_ci_service');
  return (specific.length > 0 ? specific : found).slice(0, 3);
}

export async function findRelated(
  itsm: ItsmBackend,
  anchors: readonly Ci[],
  options: RelatedOptions,
  call: UpstreamCall,
  exclude?: IncidentDetail,
): Promise<RelatedResult> {
  const now = options.now.getTime();
  const window = {
    changesFrom: new Date(now - options.hoursBack * HOUR).toISOString(),
    changesTo: new Date(now + options.hoursAhead * HOUR).toISOString(),
    incidentsSince: new Date(now - options.incidentDays * 24 * HOUR).toISOString(),
  };
  const anchorIds = new Set(anchors.map((a) => a.sysId));
  const neighbourOf = new Map<string, { name: string; relation: string; of: string; class: string }>();
  for (const anchor of anchors) {
    const detail = await itsm.getCi(anchor.sysId, call);
    for (const rel of [...(detail?.upstream ?? []), ...(detail?.downstream ?? [])]) {
      if (anchorIds.has(rel.ci.sysId) || neighbourOf.has(rel.ci.sysId)) continue;
      neighbourOf.set(rel.ci.sysId, {
        name: rel.ci.name,
        relation: rel.type,
        of: anchor.name,
        class: rel.ci.class,
      });
    }
  }
  const scope = [...anchorIds, ...neighbourOf.keys()];
  const [incidents, changes] = await Promise.all([
    itsm.incidentsOn(scope, window.incidentsSince, 100, call),
    itsm.listChanges({ limit: 100, from: window.changesFrom, to: window.changesTo, ciSysIds: scope }, call),
  ]);

  const placement = (ci: { sysId: string } | null, service: { sysId: string } | null) => {
    if (ci && anchorIds.has(ci.sysId)) return { score: 3, reason: 'on the same configuration item' };
    const n = ci && neighbourOf.get(ci.sysId);
    if (n) return { score: 2, reason: `on ${n.name}, a direct neighbour of ${n.of} (${n.relation})` };
    if (service && anchorIds.has(service.sysId)) return { score: 2, reason: 'in the same business service' };
    const s = service && neighbourOf.get(service.sysId);
    if (s) return { score: 1, reason: `in the ${s.name} business service` };
    return { score: 1, reason: 'in a related business service' };
  };

  // A change that ended shortly before an incident opened, on the incident's CI (or on a neighbour
  // of the anchor the incident is on), is the classic cause: say so and rank the incident up.
  const inScope = (id: string | undefined) => id !== undefined && (anchorIds.has(id) || neighbourOf.has(id));
  const precedingChange = (incident: Incident) => {
    const opened = incident.openedAt ? Date.parse(incident.openedAt) : Number.NaN;
    const ci = incident.configurationItem?.sysId;
    return changes.items.find((change) => {
      const end = change.plannedEnd ? Date.parse(change.plannedEnd) : Number.NaN;
      const on = change.configurationItem?.sysId;
      const near = end <= opened && opened - end <= 12 * HOUR;
      return near && (on === ci || (ci !== undefined && anchorIds.has(ci) && inScope(on)));
    });
  };

  const rankedIncidents = incidents
    .filter((i) => i.sysId !== exclude?.sysId)
    .map((incident): Scored<Incident> => {
      const where = placement(incident.configurationItem, incident.businessService);
      const reasons = [where.reason];
      let score = where.score;
      if (['New', 'In Progress', 'On Hold'].includes(incident.state)) {
        score += 2;
        reasons.push(`still ${incident.state}`);
      }
      const opened = incident.openedAt ? Date.parse(incident.openedAt) : 0;
      if (now - opened < 24 * HOUR) {
        score += 1;
        reasons.push('opened in the last 24 hours');
      }
      const change = precedingChange(incident);
      if (change) {
        score += 1;
        const hours = Math.round(
          (Date.parse(incident.openedAt ?? '') - Date.parse(change.plannedEnd ?? '')) / HOUR,
        );
        reasons.push(
          `opened ${hours} hours after ${change.number} ended on ${change.configurationItem?.name ?? '?'}`,
        );
      }
      score += (5 - Number.parseInt(incident.priority, 10) || 0) * 0.25;
      return { score: round(score), reasons, record: incident };
    })
    .sort((a, b) => b.score - a.score || (b.record.openedAt ?? '').localeCompare(a.record.openedAt ?? ''))
    .slice(0, options.limit);

  const rankedChanges = changes.items
    .map((change): Scored<Change> => {
      const where = placement(change.configurationItem, null);
      const reasons = [where.reason];
      let score = where.score;
      const start = change.plannedStart ? Date.parse(change.plannedStart) : 0;
      const end = change.plannedEnd ? Date.parse(change.plannedEnd) : start;
      if (start <= now && now < end) {
        score += 3;
        reasons.push('being implemented now');
      } else if (end <= now) {
        const hours = Math.round((now - end) / HOUR);
        score += hours <= 24 ? 3 : 2;
        reasons.push(`implemented ${hours} hours ago`);
      } else {
        score += 0.5;
        reasons.push(`scheduled to start in ${Math.round((start - now) / HOUR)} hours`);
      }
      return { score: round(score), reasons, record: change };
    })
    .sort(
      (a, b) => b.score - a.score || (b.record.plannedStart ?? '').localeCompare(a.record.plannedStart ?? ''),
    )
    .slice(0, options.limit);

  return {
    anchors: [...anchors],
    neighbours: [...neighbourOf].map(([sysId, n]) => ({ sysId, ...n })),
    incidents: rankedIncidents,
    changes: rankedChanges,
    window,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
