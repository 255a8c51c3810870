/**
 * ServiceNow records → the model. Both backends produce records in the Table API's
 * `sysparm_display_value=all` shape (every field `{value, display_value}`), the ServiceNow adapter
 * straight from the wire and the sandbox from SQL rows, so one set of mappers serves both.
 */
import {
  CHANGE_RISKS,
  CHANGE_STATES,
  type Change,
  type ChangeDetail,
  type Ci,
  type CiDetail,
  cap,
  INCIDENT_STATES,
  type Incident,
  type IncidentDetail,
  type JournalEntry,
  LEVELS,
  PRIORITIES,
  type Ref,
  type Relation,
  type Sla,
} from '../model.ts';

export interface FieldValue {
  value: string;
  display_value: string;
}
export type SnRecord = Record<string, FieldValue | undefined>;

/** Display labels of the choice fields, per table (what the instance shows for a stored value). */
export const CHOICE_LABELS: Record<string, Record<string, Record<string, string>>> = {
  incident: { state: INCIDENT_STATES, priority: PRIORITIES, impact: LEVELS, urgency: LEVELS },
  change_request: { state: CHANGE_STATES, risk: CHANGE_RISKS, impact: LEVELS },
};

const v = (r: SnRecord, f: string): string => r[f]?.value ?? '';
const d = (r: SnRecord, f: string): string => r[f]?.display_value || r[f]?.value || '';
const nv = (r: SnRecord, f: string): string | null => v(r, f) || null;
const nd = (r: SnRecord, f: string): string | null => d(r, f) || null;

/** `YYYY-MM-DD HH:MM:SS` (UTC) → ISO 8601, or null when empty. */
export function isoTime(value: string): string | null {
  if (!value) return null;
  return `${value.replace(' ', 'T')}Z`;
}

function ref(r: SnRecord, f: string): Ref {
  const id = v(r, f);
  return id ? { sysId: id, name: d(r, f) } : null;
}

export function toIncident(r: SnRecord): Incident {
  return {
    number: v(r, 'number'),
    sysId: v(r, 'sys_id'),
    shortDescription: cap(v(r, 'short_description'), 200) ?? '',
    state: d(r, 'state'),
    priority: d(r, 'priority'),
    assignmentGroup: ref(r, 'assignment_group'),
    assignedTo: ref(r, 'assigned_to'),
    configurationItem: ref(r, 'cmdb_ci'),
    businessService: ref(r, 'business_service'),
    openedAt: isoTime(v(r, 'opened_at')),
    updatedAt: isoTime(v(r, 'sys_updated_on')),
  };
}

/** An incident with its journal (`sys_journal_field`) and SLA (`task_sla`) records. */
export function toIncidentDetail(
  r: SnRecord,
  journal: readonly SnRecord[],
  slas: readonly SnRecord[],
): IncidentDetail {
  const problem = v(r, 'problem_id');
  const change = v(r, 'caused_by');
  return {
    ...toIncident(r),
    description: cap(v(r, 'description')),
    impact: d(r, 'impact'),
    urgency: d(r, 'urgency'),
    category: nv(r, 'category'),
    resolvedAt: isoTime(v(r, 'resolved_at')),
    closeCode: nv(r, 'close_code'),
    closeNotes: cap(v(r, 'close_notes')),
    problem: problem ? { sysId: problem, number: d(r, 'problem_id') } : null,
    causedByChange: change ? { sysId: change, number: d(r, 'caused_by') } : null,
    journal: journal.map(toJournal),
    slas: slas.map(toSla),
  };
}

export function toJournal(r: SnRecord): JournalEntry {
  return {
    kind: v(r, 'element') === 'comments' ? 'comment' : 'work_note',
    createdAt: isoTime(v(r, 'sys_created_on')) ?? '',
    createdBy: v(r, 'sys_created_by'),
    text: cap(v(r, 'value')) ?? '',
  };
}

/** The journal field a note of `kind` goes into. */
export function journalElement(kind: 'work_note' | 'comment'): 'work_notes' | 'comments' {
  return kind === 'comment' ? 'comments' : 'work_notes';
}

/** The journal entry a backend has just written (`createdOn` in `YYYY-MM-DD HH:MM:SS`, UTC). */
export function newJournalEntry(
  kind: 'work_note' | 'comment',
  text: string,
  createdOn: string,
  createdBy: string,
): JournalEntry {
  return toJournal({
    element: { value: journalElement(kind), display_value: '' },
    value: { value: text, display_value: text },
    sys_created_on: { value: createdOn, display_value: createdOn },
    sys_created_by: { value: createdBy, display_value: createdBy },
  });
}

export function toSla(r: SnRecord): Sla {
  const pct = Number.parseFloat(v(r, 'percentage'));
  return {
    name: d(r, 'sla'),
    stage: v(r, 'stage'),
    breached: v(r, 'has_breached') === 'true',
    dueAt: isoTime(v(r, 'planned_end_time')),
    percentElapsed: Number.isFinite(pct) ? pct : null,
  };
}

export function toChange(r: SnRecord): Change {
  return {
    number: v(r, 'number'),
    sysId: v(r, 'sys_id'),
    shortDescription: cap(v(r, 'short_description'), 200) ?? '',
    type: v(r, 'type'),
    state: d(r, 'state'),
    risk: nd(r, 'risk'),
    configurationItem: ref(r, 'cmdb_ci'),
    assignmentGroup: ref(r, 'assignment_group'),
    plannedStart: isoTime(v(r, 'start_date')),
    plannedEnd: isoTime(v(r, 'end_date')),
  };
}

export function toChangeDetail(r: SnRecord): ChangeDetail {
  return {
    ...toChange(r),
    description: cap(v(r, 'description')),
    justification: cap(v(r, 'justification')),
    implementationPlan: cap(v(r, 'implementation_plan')),
    backoutPlan: cap(v(r, 'backout_plan')),
    testPlan: cap(v(r, 'test_plan')),
    requestedBy: ref(r, 'requested_by'),
    approval: nv(r, 'approval'),
  };
}

export function toCi(r: SnRecord): Ci {
  return {
    sysId: v(r, 'sys_id'),
    name: v(r, 'name'),
    class: v(r, 'sys_class_name'),
    environment: nv(r, 'environment'),
    operationalStatus: v(r, 'operational_status') === '1' ? 'Operational' : nd(r, 'operational_status'),
    supportGroup: ref(r, 'support_group'),
    ownedByGroup: ref(r, 'managed_by_group'),
  };
}

/** The sys_ids of the CIs on the other end of `rels` from `self`, each once. */
export function relatedCiIds(rels: readonly SnRecord[], self: string): string[] {
  const ids = rels.map((rel) => (v(rel, 'parent') === self ? v(rel, 'child') : v(rel, 'parent')));
  return [...new Set(ids)].filter((id) => id !== '');
}

/**
 * A CI with its relationships. `cmdb_rel_ci.type` reads `parent-side::child-side` ("Depends on::Used
 * by"); parents are upstream (they depend on or run on this item's side), children downstream.
 */
export function toCiDetail(
  r: SnRecord,
  rels: readonly SnRecord[],
  others: ReadonlyMap<string, Ci>,
  openIncidentCount: number,
): CiDetail {
  const self = v(r, 'sys_id');
  const upstream: Relation[] = [];
  const downstream: Relation[] = [];
  for (const rel of rels) {
    const otherIsParent = v(rel, 'child') === self;
    const other = others.get(v(rel, otherIsParent ? 'parent' : 'child'));
    if (!other) continue;
    const [parentSide, childSide] = d(rel, 'type').split('::');
    const relation = {
      type: (otherIsParent ? childSide : parentSide) ?? d(rel, 'type'),
      ci: { sysId: other.sysId, name: other.name, class: other.class },
    };
    (otherIsParent ? upstream : downstream).push(relation);
  }
  const byName = (a: Relation, b: Relation) => a.ci.name.localeCompare(b.ci.name, 'en');
  return {
    ...toCi(r),
    description: cap(v(r, 'short_description')),
    upstream: upstream.sort(byName),
    downstream: downstream.sort(byName),
    openIncidentCount,
  };
}
