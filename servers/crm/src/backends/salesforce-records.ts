import {
  type Account,
  type Activity,
  type Case,
  type Contact,
  type Contract,
  cap,
  type Opportunity,
  type OpportunityDetail,
} from '../model.ts';

/**
 * Salesforce records as the CRM's model: the fixed field lists every query selects (no input ever
 * chooses a field) and the mappers from REST records to model objects. Operations live in salesforce.ts.
 */
export type SfRecord = Record<string, unknown>;

// Field lists are fixed in code: no input ever chooses a field.
export const ACCOUNT_FIELDS = [
  'Id',
  'Name',
  'Industry',
  'Type',
  'Owner.Name',
  'BillingCity',
  'BillingCountry',
  'AnnualRevenue',
  'NumberOfEmployees',
  'Website',
  'Phone',
] as const;
export const OPPORTUNITY_FIELDS = [
  'Id',
  'Name',
  'AccountId',
  'Account.Name',
  'StageName',
  'Amount',
  'CloseDate',
  'Probability',
  'Owner.Name',
  'NextStep',
] as const;
export const OPPORTUNITY_DETAIL_FIELDS = [
  ...OPPORTUNITY_FIELDS,
  'Type',
  'LeadSource',
  'ForecastCategoryName',
  'Description',
  'IsClosed',
  'IsWon',
  'CreatedDate',
  'LastModifiedDate',
] as const;
export const CONTACT_FIELDS = [
  'Id',
  'Name',
  'Title',
  'Email',
  'Phone',
  'AccountId',
  'Account.Name',
  'LastActivityDate',
] as const;
export const CASE_FIELDS = [
  'Id',
  'CaseNumber',
  'Subject',
  'Status',
  'Priority',
  'Origin',
  'CreatedDate',
  'AccountId',
  'Contact.Name',
] as const;
export const TASK_FIELDS = [
  'Id',
  'Subject',
  'Type',
  'Status',
  'ActivityDate',
  'WhatId',
  'WhoId',
  'Owner.Name',
  'Description',
] as const;
export const CONTRACT_FIELDS = [
  'Id',
  'ContractNumber',
  'AccountId',
  'Account.Name',
  'Status',
  'StartDate',
  'EndDate',
  'ContractTerm',
  'Owner.Name',
] as const;

export function get(record: SfRecord, path: string): unknown {
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return null;
    value = (value as Record<string, unknown>)[part];
  }
  return value ?? null;
}
export const str = (r: SfRecord, path: string): string | null => {
  const v = get(r, path);
  return v === null ? null : String(v);
};
/** Salesforce datetimes (`2026-05-01T10:00:00.000+0000`) as ISO-8601 UTC, like the sandbox's. */
export const dt = (r: SfRecord, path: string): string | null => {
  const v = get(r, path);
  const ms = v === null ? Number.NaN : Date.parse(String(v));
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
};
export const num = (r: SfRecord, path: string): number | null => {
  const v = get(r, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

export function toAccount(r: SfRecord): Account {
  return {
    id: String(r.Id),
    name: String(r.Name ?? ''),
    industry: str(r, 'Industry'),
    type: str(r, 'Type'),
    ownerName: str(r, 'Owner.Name'),
    billingCity: str(r, 'BillingCity'),
    billingCountry: str(r, 'BillingCountry'),
    annualRevenue: num(r, 'AnnualRevenue'),
    employees: num(r, 'NumberOfEmployees'),
    website: str(r, 'Website'),
    phone: str(r, 'Phone'),
  };
}

export function toOpportunity(r: SfRecord): Opportunity {
  return {
    id: String(r.Id),
    name: String(r.Name ?? ''),
    accountId: str(r, 'AccountId'),
    accountName: str(r, 'Account.Name'),
    stage: String(r.StageName ?? ''),
    amount: num(r, 'Amount'),
    closeDate: str(r, 'CloseDate'),
    probability: num(r, 'Probability'),
    ownerName: str(r, 'Owner.Name'),
    nextStep: cap(str(r, 'NextStep'), 255),
  };
}

export function toOpportunityDetail(r: SfRecord): OpportunityDetail {
  return {
    ...toOpportunity(r),
    type: str(r, 'Type'),
    leadSource: str(r, 'LeadSource'),
    forecastCategory: str(r, 'ForecastCategoryName'),
    description: cap(str(r, 'Description')),
    isClosed: r.IsClosed === true,
    isWon: r.IsWon === true,
    createdDate: dt(r, 'CreatedDate'),
    lastModifiedDate: dt(r, 'LastModifiedDate'),
  };
}

export function toContact(r: SfRecord): Contact {
  return {
    id: String(r.Id),
    name: String(r.Name ?? ''),
    title: str(r, 'Title'),
    email: str(r, 'Email'),
    phone: str(r, 'Phone'),
    accountId: str(r, 'AccountId'),
    accountName: str(r, 'Account.Name'),
    lastActivityDate: str(r, 'LastActivityDate'),
  };
}

export function toCase(r: SfRecord): Case {
  return {
    id: String(r.Id),
    caseNumber: String(r.CaseNumber ?? ''),
    subject: cap(str(r, 'Subject'), 255),
    status: String(r.Status ?? ''),
    priority: str(r, 'Priority'),
    origin: str(r, 'Origin'),
    createdDate: dt(r, 'CreatedDate'),
    accountId: str(r, 'AccountId'),
    contactName: str(r, 'Contact.Name'),
  };
}

export function toActivity(r: SfRecord): Activity {
  return {
    id: String(r.Id),
    subject: cap(str(r, 'Subject'), 255),
    type: str(r, 'Type'),
    status: str(r, 'Status'),
    activityDate: str(r, 'ActivityDate'),
    relatedToId: str(r, 'WhatId'),
    contactId: str(r, 'WhoId'),
    ownerName: str(r, 'Owner.Name'),
    description: cap(str(r, 'Description'), 300),
  };
}

export function toContract(r: SfRecord): Contract {
  return {
    id: String(r.Id),
    contractNumber: String(r.ContractNumber ?? ''),
    accountId: str(r, 'AccountId'),
    accountName: str(r, 'Account.Name'),
    status: str(r, 'Status'),
    startDate: str(r, 'StartDate'),
    endDate: str(r, 'EndDate'),
    termMonths: num(r, 'ContractTerm'),
    ownerName: str(r, 'Owner.Name'),
  };
}
