/**
 * The CRM vocabulary shared by tools and backends: picklists (fixed in code, so they can be zod enums
 * and SOQL literals at once) and the record shapes tools return. Output fields are capped: long text
 * is truncated to a fixed length so a result never floods the model's context.
 */
import { z } from 'zod';

/** Salesforce's standard Account.Industry picklist. */
export const INDUSTRIES = [
  'Agriculture',
  'Apparel',
  'Banking',
  'Biotechnology',
  'Chemicals',
  'Communications',
  'Construction',
  'Consulting',
  'Education',
  'Electronics',
  'Energy',
  'Engineering',
  'Entertainment',
  'Environmental',
  'Finance',
  'Food & Beverage',
  'Government',
  'Healthcare',
  'Hospitality',
  'Insurance',
  'Machinery',
  'Manufacturing',
  'Media',
  'Not For Profit',
  'Other',
  'Recreation',
  'Retail',
  'Shipping',
  'Technology',
  'Telecommunications',
  'Transportation',
  'Utilities',
] as const;

/** The open stages of Salesforce's standard Opportunity.StageName picklist, in sales-process order. */
export const OPEN_STAGES = [
  'Prospecting',
  'Qualification',
  'Needs Analysis',
  'Value Proposition',
  'Id. Decision Makers',
  'Perception Analysis',
  'Proposal/Price Quote',
  'Negotiation/Review',
] as const;
/** Every stage: the open ones, then the two closed ones. */
export const OPPORTUNITY_STAGES = [...OPEN_STAGES, 'Closed Won', 'Closed Lost'] as const;
export type OpportunityStage = (typeof OPPORTUNITY_STAGES)[number];

/** Default probability (%) of each stage, as in a new Salesforce org. */
export const STAGE_PROBABILITY: Record<OpportunityStage, number> = {
  Prospecting: 10,
  Qualification: 10,
  'Needs Analysis': 20,
  'Value Proposition': 50,
  'Id. Decision Makers': 60,
  'Perception Analysis': 70,
  'Proposal/Price Quote': 75,
  'Negotiation/Review': 90,
  'Closed Won': 100,
  'Closed Lost': 0,
};

export const CASE_PRIORITIES = ['High', 'Medium', 'Low'] as const;
export const TASK_TYPES = ['Call', 'Email', 'Meeting', 'Other'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/** Longest free text returned for descriptions and comments. */
export const TEXT_CAP = 500;

/** Truncates long text for output, marking the cut. */
export function cap(text: string | null | undefined, max = TEXT_CAP): string | null {
  if (text === null || text === undefined) return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const id = z.string().describe('Salesforce record id');
const isoDate = z.string().nullable().describe('ISO date (YYYY-MM-DD)');
const nstr = z.string().nullable();
const nnum = z.number().nullable();

export const accountSchema = z.object({
  id,
  name: z.string(),
  industry: nstr,
  type: nstr,
  ownerName: nstr,
  billingCity: nstr,
  billingCountry: nstr,
  annualRevenue: nnum,
  employees: nnum,
  website: nstr,
  phone: nstr,
});
export type Account = z.infer<typeof accountSchema>;

export const opportunitySchema = z.object({
  id,
  name: z.string(),
  accountId: nstr,
  accountName: nstr,
  stage: z.string(),
  amount: nnum,
  closeDate: isoDate,
  probability: nnum,
  ownerName: nstr,
  nextStep: nstr,
});
export type Opportunity = z.infer<typeof opportunitySchema>;

export const opportunityDetailSchema = opportunitySchema.extend({
  type: nstr,
  leadSource: nstr,
  forecastCategory: nstr,
  description: nstr,
  isClosed: z.boolean(),
  isWon: z.boolean(),
  createdDate: nstr,
  lastModifiedDate: nstr,
});
export type OpportunityDetail = z.infer<typeof opportunityDetailSchema>;

export const contactSchema = z.object({
  id,
  name: z.string(),
  title: nstr,
  email: nstr,
  phone: nstr,
  accountId: nstr,
  accountName: nstr,
  lastActivityDate: isoDate,
});
export type Contact = z.infer<typeof contactSchema>;

export const caseSchema = z.object({
  id,
  caseNumber: z.string(),
  subject: nstr,
  status: z.string(),
  priority: nstr,
  origin: nstr,
  createdDate: nstr,
  accountId: nstr,
  contactName: nstr,
});
export type Case = z.infer<typeof caseSchema>;

export const activitySchema = z.object({
  id,
  subject: nstr,
  type: nstr,
  status: nstr,
  activityDate: isoDate,
  relatedToId: nstr.describe('WhatId: the account or opportunity the activity is about'),
  contactId: nstr.describe('WhoId: the contact the activity was with'),
  ownerName: nstr,
  description: nstr,
});
export type Activity = z.infer<typeof activitySchema>;

export const contractSchema = z.object({
  id,
  contractNumber: z.string(),
  accountId: nstr,
  accountName: nstr,
  status: nstr,
  startDate: isoDate,
  endDate: isoDate.describe('Contract end date: the renewal is due by then'),
  termMonths: nnum,
  ownerName: nstr,
});
export type Contract = z.infer<typeof contractSchema>;

/** A capped list inside a larger result: `more` says records were left out. */
export function cappedList<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    more: z.boolean().describe('True when more records exist than shown'),
  });
}

export const accountOverviewSchema = z.object({
  account: accountSchema.extend({ description: nstr }),
  openOpportunities: cappedList(opportunitySchema),
  openPipelineAmount: z.number().describe('Sum of the amounts of the open opportunities shown'),
  openCases: cappedList(caseSchema),
  keyContacts: cappedList(contactSchema),
  recentActivities: cappedList(activitySchema),
  contracts: cappedList(contractSchema),
  nextRenewalDate: isoDate.describe('Earliest end date of the active contracts, if any'),
});
export type AccountOverview = z.infer<typeof accountOverviewSchema>;
