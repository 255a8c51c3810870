import type { UpstreamCall } from '@mcp-platform/server-kit';
import type {
  Change,
  ChangeDetail,
  ChangeStateValue,
  Ci,
  CiDetail,
  Incident,
  IncidentDetail,
  IncidentStateValue,
  JournalEntry,
  Ref,
} from '../model.ts';

/**
 * What the ITSM server can do, as business operations. Each backend (ServiceNow over the Table API,
 * the PostgreSQL sandbox) implements exactly this; tools never see encoded queries or SQL. Inputs
 * arrive validated by the tools' schemas; backends still treat every string as hostile. Every
 * operation takes the MCP call last (a tool passes its `ctx`): cancelling the call aborts the request.
 */
export interface ItsmBackend {
  readonly kind: 'servicenow' | 'sandbox';
  searchIncidents(query: IncidentSearch, call: UpstreamCall): Promise<Page<Incident>>;
  /** `undefined` when no incident has that number (or it is not visible to the integration user). */
  getIncident(
    number: string,
    options: { journal: number },
    call: UpstreamCall,
  ): Promise<IncidentDetail | undefined>;
  /** Open incidents, and those opened since `since`, on any of the CIs / services, newest first (capped). */
  incidentsOn(
    ciSysIds: readonly string[],
    since: string,
    limit: number,
    call: UpstreamCall,
  ): Promise<Incident[]>;
  listChanges(query: ChangeSearch, call: UpstreamCall): Promise<Page<Change>>;
  /** The configuration items with exactly these names (unknown names are simply absent). */
  findCis(names: readonly string[], call: UpstreamCall): Promise<Ci[]>;
  getCi(sysId: string, call: UpstreamCall): Promise<CiDetail | undefined>;
  findGroup(name: string, call: UpstreamCall): Promise<Ref | undefined>;
  /** Active close codes from the instance's choice list for incident.close_code. */
  closeCodes(call: UpstreamCall): Promise<string[]>;
  createIncident(input: NewIncident, call: UpstreamCall): Promise<IncidentDetail>;
  addJournal(
    incident: { sysId: string },
    kind: 'work_note' | 'comment',
    text: string,
    call: UpstreamCall,
  ): Promise<JournalEntry>;
  resolveIncident(input: Resolution, call: UpstreamCall): Promise<IncidentDetail>;
  createChange(input: NewChange, call: UpstreamCall): Promise<ChangeDetail>;
  /** Dependency check for `/readyz`. */
  ready(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

export interface Page<T> {
  items: T[];
  /** Present when more records match; pass it back unchanged to get the next page. */
  nextCursor: string | undefined;
}

export interface IncidentSearch {
  limit: number;
  cursor?: string | undefined;
  text?: string | undefined;
  states?: readonly IncidentStateValue[] | undefined;
  priorities?: readonly ('1' | '2' | '3' | '4' | '5')[] | undefined;
  assignmentGroup?: string | undefined;
  /** sys_ids of CIs or business services (either field matches). */
  ciSysIds?: readonly string[] | undefined;
  openedFrom?: string | undefined;
  openedTo?: string | undefined;
  updatedSince?: string | undefined;
}

export interface ChangeSearch {
  limit: number;
  cursor?: string | undefined;
  /** Changes whose planned window overlaps [from, to). */
  from: string;
  to: string;
  states?: readonly ChangeStateValue[] | undefined;
  /** sys_ids of CIs or business services (either field matches). */
  ciSysIds?: readonly string[] | undefined;
}

export interface NewIncident {
  shortDescription: string;
  description?: string | undefined;
  impact: '1' | '2' | '3';
  urgency: '1' | '2' | '3';
  category?: string | undefined;
  ciSysId?: string | undefined;
  serviceSysId?: string | undefined;
  groupSysId?: string | undefined;
  /** Attribution work note written with the record (who asked for it, who confirmed). */
  workNote: string;
}

export interface Resolution {
  sysId: string;
  closeCode: string;
  closeNotes: string;
  /** Attribution work note written with the resolution. */
  workNote: string;
}

export interface NewChange {
  shortDescription: string;
  description?: string | undefined;
  justification: string;
  implementationPlan: string;
  backoutPlan: string;
  testPlan: string;
  risk: '2' | '3' | '4';
  start: string;
  end: string;
  ciSysId: string;
  serviceSysId?: string | undefined;
  groupSysId?: string | undefined;
  workNote: string;
}
