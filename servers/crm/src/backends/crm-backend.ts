import type { UpstreamCall } from '@mcp-platform/server-kit';
import type {
  Account,
  AccountOverview,
  Activity,
  Case,
  Contact,
  Contract,
  Opportunity,
  OpportunityDetail,
  OpportunityStage,
  TaskType,
} from '../model.ts';

/**
 * What the CRM server can do, as business operations. Each backend (Salesforce through jsforce, the
 * PostgreSQL sandbox) implements exactly this; tools never see SOQL or SQL. Inputs arrive validated
 * by the tools' schemas; backends still treat every string as hostile (escaping / parameters).
 * Every operation takes the call (`UpstreamCall`: signal + trace; a tool passes its `ctx`) last, so a
 * cancelled or timed-out call aborts its Salesforce request or cancels its sandbox query.
 */
export interface CrmBackend {
  readonly kind: 'salesforce' | 'sandbox';
  searchAccounts(query: AccountSearch, call: UpstreamCall): Promise<Page<Account>>;
  /** `undefined` when the account does not exist (or is not visible to the integration user). */
  getAccountOverview(
    accountId: string,
    options: OverviewOptions,
    call: UpstreamCall,
  ): Promise<AccountOverview | undefined>;
  listOpenOpportunities(query: OpportunitySearch, call: UpstreamCall): Promise<Page<Opportunity>>;
  getOpportunity(opportunityId: string, call: UpstreamCall): Promise<OpportunityDetail | undefined>;
  findContacts(query: ContactSearch, call: UpstreamCall): Promise<Page<Contact>>;
  listOpenCases(query: CaseSearch, call: UpstreamCall): Promise<Page<Case>>;
  listRenewals(query: RenewalSearch, call: UpstreamCall): Promise<Page<Contract>>;
  /** Name and type of an account, contact or opportunity (for previews and links). */
  describeRecord(recordId: string, call: UpstreamCall): Promise<RecordLabel | undefined>;
  logActivity(input: NewActivity, call: UpstreamCall): Promise<{ id: string; activity: Activity }>;
  updateOpportunityStage(input: StageUpdate, call: UpstreamCall): Promise<OpportunityDetail>;
  createOpportunity(input: NewOpportunity, call: UpstreamCall): Promise<OpportunityDetail>;
  /** Dependency check for `/readyz`. */
  ready(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

export interface Page<T> {
  items: T[];
  /** Present when more records match; pass it back unchanged to get the next page. */
  nextCursor: string | undefined;
}

interface Paged {
  limit: number;
  cursor?: string | undefined;
}

export interface AccountSearch extends Paged {
  name?: string | undefined;
  industry?: string | undefined;
  owner?: string | undefined;
}

export interface OverviewOptions {
  /** How many of the most recent activities to include. */
  activities: number;
  /** How many records of each related list to include. */
  perList: number;
  /** Today's date (YYYY-MM-DD), for "recent" and "upcoming". */
  today: string;
}

export interface OpportunitySearch extends Paged {
  owner?: string | undefined;
  stage?: OpportunityStage | undefined;
  accountId?: string | undefined;
  closeFrom?: string | undefined;
  closeTo?: string | undefined;
  minAmount?: number | undefined;
}

export interface ContactSearch extends Paged {
  name?: string | undefined;
  email?: string | undefined;
  title?: string | undefined;
  accountId?: string | undefined;
}

export interface CaseSearch extends Paged {
  accountId: string;
  priority?: 'High' | 'Medium' | 'Low' | undefined;
}

export interface RenewalSearch extends Paged {
  from: string;
  to: string;
  owner?: string | undefined;
}

export type RecordType = 'Account' | 'Contact' | 'Opportunity';

export interface RecordLabel {
  id: string;
  type: RecordType;
  name: string;
  /** The account a contact or opportunity belongs to. */
  accountId: string | null;
}

export interface NewActivity {
  /** Account, opportunity or contact the activity is logged against. */
  relatedTo: RecordLabel;
  subject: string;
  type: TaskType;
  /** When it happened (YYYY-MM-DD). */
  date: string;
  description?: string | undefined;
}

export interface StageUpdate {
  opportunityId: string;
  stage: OpportunityStage;
  nextStep?: string | undefined;
}

export interface NewOpportunity {
  accountId: string;
  name: string;
  stage: OpportunityStage;
  closeDate: string;
  amount?: number | undefined;
  nextStep?: string | undefined;
  description?: string | undefined;
}

/** The record type an id belongs to, from its key prefix (001 account, 003 contact, 006 opportunity). */
export function recordTypeOf(recordId: string): RecordType | undefined {
  switch (recordId.slice(0, 3)) {
    case '001':
      return 'Account';
    case '003':
      return 'Contact';
    case '006':
      return 'Opportunity';
    default:
      return undefined;
  }
}
