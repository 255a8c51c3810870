/**
 * The ITSM vocabulary shared by tools and backends: ServiceNow's choice lists (fixed in code, so they
 * are zod enums and encoded-query values at once) and the record shapes tools return. Long text is
 * capped so a result never floods the model's context.
 */
import { z } from 'zod';

/** Incident `state` choices (value → label) of a default instance. */
export const INCIDENT_STATES = {
  '1': 'New',
  '2': 'In Progress',
  '3': 'On Hold',
  '6': 'Resolved',
  '7': 'Closed',
  '8': 'Canceled',
} as const;
export type IncidentStateValue = keyof typeof INCIDENT_STATES;
export const INCIDENT_STATE_NAMES = [
  'new',
  'in_progress',
  'on_hold',
  'resolved',
  'closed',
  'canceled',
] as const;
export type IncidentStateName = (typeof INCIDENT_STATE_NAMES)[number];
export const STATE_VALUE: Record<IncidentStateName, IncidentStateValue> = {
  new: '1',
  in_progress: '2',
  on_hold: '3',
  resolved: '6',
  closed: '7',
  canceled: '8',
};
/** States in which an incident is still being worked. */
export const OPEN_STATES: readonly IncidentStateValue[] = ['1', '2', '3'];

/** Priority 1-5 (ServiceNow derives it from impact × urgency). */
export const PRIORITIES = {
  '1': '1 - Critical',
  '2': '2 - High',
  '3': '3 - Moderate',
  '4': '4 - Low',
  '5': '5 - Planning',
} as const;
export const LEVELS = { '1': '1 - High', '2': '2 - Medium', '3': '3 - Low' } as const;
export const LEVEL_NAMES = ['high', 'medium', 'low'] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];
export const LEVEL_VALUE: Record<LevelName, '1' | '2' | '3'> = { high: '1', medium: '2', low: '3' };

/** The default instance's priority lookup (dl_u_priority): impact + urgency → priority. */
export function derivePriority(
  impact: '1' | '2' | '3',
  urgency: '1' | '2' | '3',
): '1' | '2' | '3' | '4' | '5' {
  const sum = Number(impact) + Number(urgency);
  return String(Math.min(5, sum - 1)) as '1' | '2' | '3' | '4' | '5';
}

/** Change request `state` choices. */
export const CHANGE_STATES = {
  '-5': 'New',
  '-4': 'Assess',
  '-3': 'Authorize',
  '-2': 'Scheduled',
  '-1': 'Implement',
  '0': 'Review',
  '3': 'Closed',
  '4': 'Canceled',
} as const;
export type ChangeStateValue = keyof typeof CHANGE_STATES;
export const CHANGE_STATE_NAMES = [
  'new',
  'assess',
  'authorize',
  'scheduled',
  'implement',
  'review',
  'closed',
  'canceled',
] as const;
export type ChangeStateName = (typeof CHANGE_STATE_NAMES)[number];
export const CHANGE_STATE_VALUE: Record<ChangeStateName, ChangeStateValue> = {
  new: '-5',
  assess: '-4',
  authorize: '-3',
  scheduled: '-2',
  implement: '-1',
  review: '0',
  closed: '3',
  canceled: '4',
};
export const CHANGE_RISKS = { '2': 'High', '3': 'Moderate', '4': 'Low' } as const;
export const RISK_NAMES = ['high', 'moderate', 'low'] as const;
export const RISK_VALUE: Record<(typeof RISK_NAMES)[number], '2' | '3' | '4'> = {
  high: '2',
  moderate: '3',
  low: '4',
};
export const CHANGE_TYPES = ['normal', 'standard', 'emergency'] as const;

/** Close codes a default instance offers for incidents (the live list comes from sys_choice). */
export const DEFAULT_CLOSE_CODES = [
  'Solved (Work Around)',
  'Solved (Permanently)',
  'Solved Remotely (Work Around)',
  'Solved Remotely (Permanently)',
  'Not Solved (Not Reproducible)',
  'Not Solved (Too Costly)',
  'Closed/Resolved by Caller',
] as const;

/** Longest free text returned for descriptions and journal entries. */
export const TEXT_CAP = 600;

export function cap(text: string | null | undefined, max = TEXT_CAP): string | null {
  if (text === null || text === undefined || text === '') return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const nstr = z.string().nullable();
const when = z.string().nullable().describe('UTC timestamp, ISO 8601');

/** A reference to another record: its sys_id and display name. */
export const refSchema = z.object({ sysId: z.string(), name: z.string() }).nullable();
export type Ref = z.infer<typeof refSchema>;

export const incidentSchema = z.object({
  number: z.string().describe('Incident number, e.g. INC0010042'),
  sysId: z.string(),
  shortDescription: z.string(),
  state: z.string().describe('New, In Progress, On Hold, Resolved, Closed or Canceled'),
  priority: z.string().describe('1 - Critical … 5 - Planning'),
  assignmentGroup: refSchema,
  assignedTo: refSchema,
  configurationItem: refSchema,
  businessService: refSchema,
  openedAt: when,
  updatedAt: when,
});
export type Incident = z.infer<typeof incidentSchema>;

export const journalEntrySchema = z.object({
  kind: z.enum(['work_note', 'comment']).describe('work_note: internal; comment: visible to the caller'),
  createdAt: z.string(),
  createdBy: z.string(),
  text: z.string(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

export const slaSchema = z.object({
  name: z.string(),
  stage: z.string().describe('in_progress, paused, completed, cancelled'),
  breached: z.boolean(),
  dueAt: when.describe('When the SLA breaches (planned end time)'),
  percentElapsed: z.number().nullable(),
});
export type Sla = z.infer<typeof slaSchema>;

export const incidentDetailSchema = incidentSchema.extend({
  description: nstr,
  impact: z.string(),
  urgency: z.string(),
  category: nstr,
  resolvedAt: when,
  closeCode: nstr,
  closeNotes: nstr,
  problem: z.object({ sysId: z.string(), number: z.string() }).nullable(),
  causedByChange: z.object({ sysId: z.string(), number: z.string() }).nullable(),
  journal: z.array(journalEntrySchema).describe('Latest work notes and comments, newest first'),
  slas: z.array(slaSchema),
});
export type IncidentDetail = z.infer<typeof incidentDetailSchema>;

export const changeSchema = z.object({
  number: z.string().describe('Change number, e.g. CHG0030012'),
  sysId: z.string(),
  shortDescription: z.string(),
  type: z.string(),
  state: z.string(),
  risk: nstr,
  configurationItem: refSchema,
  assignmentGroup: refSchema,
  plannedStart: when,
  plannedEnd: when,
});
export type Change = z.infer<typeof changeSchema>;

export const changeDetailSchema = changeSchema.extend({
  description: nstr,
  justification: nstr,
  implementationPlan: nstr,
  backoutPlan: nstr,
  testPlan: nstr,
  requestedBy: refSchema,
  approval: nstr,
});
export type ChangeDetail = z.infer<typeof changeDetailSchema>;

export const ciSchema = z.object({
  sysId: z.string(),
  name: z.string(),
  class: z.string().describe('ServiceNow class, e.g. cmdb_ci_service, cmdb_ci_db_instance'),
  environment: nstr,
  operationalStatus: nstr,
  supportGroup: refSchema,
  ownedByGroup: refSchema.describe('The group that owns and manages the item'),
});
export type Ci = z.infer<typeof ciSchema>;

export const relationSchema = z.object({
  type: z.string().describe('Relationship as seen from this item, e.g. "Depends on" or "Used by"'),
  ci: z.object({ sysId: z.string(), name: z.string(), class: z.string() }),
});
export type Relation = z.infer<typeof relationSchema>;

export const ciDetailSchema = ciSchema.extend({
  description: nstr,
  upstream: z
    .array(relationSchema)
    .describe('Parents: items that depend on this one (impact flows up to them)'),
  downstream: z.array(relationSchema).describe('Children: items this one depends on or runs on'),
  openIncidentCount: z.number().int(),
});
export type CiDetail = z.infer<typeof ciDetailSchema>;
