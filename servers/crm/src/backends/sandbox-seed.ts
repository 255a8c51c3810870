import { seededRandom } from '@mcp-platform/server-kit';
import { type OpportunityStage, STAGE_PROBABILITY } from '../model.ts';

/**
 * The sandbox org's demo data, generated from a seeded PRNG relative to an anchor date: the same
 * anchor and seed always give the same rows (ids, names, amounts, dates). Dates spread over several
 * quarters before and after the anchor so pipeline, renewal and activity questions have answers.
 */

/** A Salesforce-shaped 18-character id: key prefix + `SB` + zero-padded counter. */
export function sandboxId(prefix: string, n: number): string {
  return `${prefix}SB${String(n).padStart(13, '0')}`;
}

const DAY = 86_400_000;
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

export const INTEGRATION_USER = { id: sandboxId('005', 0), name: 'MCP Integration User' };
const REPS = [
  'Ava Thompson',
  'Noah Patel',
  'Mia Chen',
  "Liam O'Connor",
  'Sofia Garcia',
  'Ethan Müller',
  'Olivia Brown',
  'Lucas Rossi',
];
const COMPANIES = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Hooli',
  'Vandelay',
  'Pied Piper',
  'Gringotts',
  'Oscorp',
  'Aperture',
  'Black Mesa',
  'Monarch',
  'Nakatomi',
  'Massive Dynamic',
  'Dunder Mifflin',
  'Sterling Cooper',
  'Prestige Worldwide',
  'Bluth',
  'Wernham Hogg',
  'Virtucon',
  'Gekko',
  'Duff',
  'Krusty',
  'Sirius Cybernetics',
];
const SUFFIXES = ['Corporation', 'Holdings'];
const INDUSTRIES = [
  'Technology',
  'Manufacturing',
  'Finance',
  'Healthcare',
  'Retail',
  'Energy',
  'Telecommunications',
  'Transportation',
  'Media',
  'Insurance',
  'Education',
  'Hospitality',
];
const CITIES: Array<[string, string]> = [
  ['San Francisco', 'United States'],
  ['New York', 'United States'],
  ['Chicago', 'United States'],
  ['Austin', 'United States'],
  ['London', 'United Kingdom'],
  ['Berlin', 'Germany'],
  ['Paris', 'France'],
  ['Toronto', 'Canada'],
  ['Sydney', 'Australia'],
  ['Singapore', 'Singapore'],
];
const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'Wei',
  'Priya',
  'Carlos',
  'Fatima',
  'Kenji',
  'Ingrid',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Lee',
  'Nguyen',
  'Kowalski',
  'Okafor',
  'Schmidt',
  'Tanaka',
  'Larsen',
];
const TITLES = [
  'CEO',
  'CFO',
  'CTO',
  'VP Sales',
  'VP Operations',
  'Head of Procurement',
  'IT Director',
  'Finance Manager',
  'Operations Manager',
  'Chief Revenue Officer',
];
const PRODUCTS = [
  'Platform licence',
  'Analytics add-on',
  'Support renewal',
  'Expansion',
  'Professional services',
  'Pilot',
  'Enterprise upgrade',
];
const NEXT_STEPS = [
  'Schedule demo',
  'Send proposal',
  'Security review',
  'Legal review of MSA',
  'Pricing call with CFO',
  'Technical workshop',
  'Executive sponsor meeting',
  null,
];
const CASE_SUBJECTS = [
  'Login failures after SSO change',
  'Report export times out',
  'Invoice shows wrong tax rate',
  'API rate limit errors',
  'Data sync delayed',
  'Feature request: bulk edit',
  'Dashboard not loading',
  'User provisioning failing',
];
const TASK_SUBJECTS: Record<string, string[]> = {
  Call: ['Discovery call', 'Check-in call', 'Pricing discussion', 'Renewal call'],
  Email: ['Sent proposal', 'Follow-up email', 'Shared case study', 'Sent contract draft'],
  Meeting: ['Quarterly business review', 'On-site workshop', 'Executive briefing', 'Product roadmap session'],
  Other: ['Updated account plan', 'Internal deal review'],
};
const OPEN_STAGE_WEIGHTS: Array<[OpportunityStage, number]> = [
  ['Prospecting', 3],
  ['Qualification', 3],
  ['Needs Analysis', 2],
  ['Value Proposition', 2],
  ['Id. Decision Makers', 1],
  ['Perception Analysis', 1],
  ['Proposal/Price Quote', 2],
  ['Negotiation/Review', 2],
];

export type SeedRows = Record<
  'users' | 'accounts' | 'contacts' | 'opportunities' | 'cases' | 'tasks' | 'contracts',
  Array<Record<string, unknown>>
>;

/** Generates the whole demo org. Order of keys = insertion order (foreign keys). */
export function seedRows(anchorDate: string, seed: number): SeedRows {
  const random = seededRandom(seed);
  const rand = random.next;
  const { int, pick } = random;
  const weighted = <T>(items: ReadonlyArray<[T, number]>): T => {
    let r = rand() * items.reduce((s, [, w]) => s + w, 0);
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    return items[0]![0];
  };
  const at = (date: string, hour: number) => `${date}T${String(hour).padStart(2, '0')}:00:00Z`;

  const users = [INTEGRATION_USER, ...REPS.map((name, i) => ({ id: sandboxId('005', i + 1), name }))];
  const reps = users.slice(1);
  const rows: SeedRows = {
    users,
    accounts: [],
    contacts: [],
    opportunities: [],
    cases: [],
    tasks: [],
    contracts: [],
  };
  let contactN = 0;
  let oppN = 0;
  let caseN = 0;
  let taskN = 0;
  let contractN = 0;

  COMPANIES.forEach((company, ci) => {
    SUFFIXES.forEach((suffix, si) => {
      const n = ci * SUFFIXES.length + si + 1;
      const accountId = sandboxId('001', n);
      const owner = pick(reps);
      const [city, country] = pick(CITIES);
      const domain = `${company.toLowerCase().replace(/[^a-z]/g, '')}${si === 0 ? '' : '-holdings'}.example`;
      const industry = pick(INDUSTRIES);
      rows.accounts.push({
        id: accountId,
        name: `${company} ${suffix}`,
        industry,
        type: rand() < 0.8 ? 'Customer - Direct' : 'Prospect',
        owner_id: owner.id,
        billing_city: city,
        billing_country: country,
        annual_revenue: int(5, 900) * 1_000_000,
        employees: int(50, 20_000),
        website: `https://www.${domain}`,
        phone: `+1 555 ${String(int(100, 999))} ${String(int(1000, 9999))}`,
        description: `${company} ${suffix} is a ${industry.toLowerCase()} company headquartered in ${city}.`,
      });

      const contacts: string[] = [];
      for (let k = 0; k < int(3, 7); k++) {
        const id = sandboxId('003', ++contactN);
        const first = pick(FIRST);
        const last = pick(LAST);
        contacts.push(id);
        rows.contacts.push({
          id,
          account_id: accountId,
          first_name: first,
          last_name: last,
          title: pick(TITLES),
          email: `${first}.${last}@${domain}`.toLowerCase(),
          phone: `+1 555 ${String(int(100, 999))} ${String(int(1000, 9999))}`,
          last_activity_date: rand() < 0.8 ? addDays(anchorDate, -int(1, 120)) : null,
        });
      }

      const opportunityIds: string[] = [];
      for (let k = 0; k < int(4, 9); k++) {
        const id = sandboxId('006', ++oppN);
        opportunityIds.push(id);
        const closeDate = addDays(anchorDate, int(-270, 270));
        const past = closeDate < anchorDate;
        let stage: OpportunityStage;
        if (past && rand() < 0.85) stage = rand() < 0.55 ? 'Closed Won' : 'Closed Lost';
        else stage = weighted(OPEN_STAGE_WEIGHTS);
        const isClosed = stage === 'Closed Won' || stage === 'Closed Lost';
        rows.opportunities.push({
          id,
          account_id: accountId,
          name: `${company} — ${pick(PRODUCTS)} ${closeDate.slice(0, 4)}`,
          stage,
          amount: int(10, 1000) * 500,
          close_date: closeDate,
          probability: STAGE_PROBABILITY[stage],
          owner_id: owner.id,
          next_step: isClosed ? null : pick(NEXT_STEPS),
          type: rand() < 0.5 ? 'New Business' : 'Existing Business',
          lead_source: pick(['Web', 'Partner Referral', 'Trade Show', 'Phone Inquiry', 'Other']),
          forecast_category: isClosed
            ? stage === 'Closed Won'
              ? 'Closed'
              : 'Omitted'
            : stage.startsWith('Negotiation')
              ? 'Commit'
              : 'Pipeline',
          description: null,
          is_closed: isClosed,
          is_won: stage === 'Closed Won',
          created_at: at(addDays(closeDate, -int(30, 200)), 9),
          updated_at: at(addDays(anchorDate, -int(0, 30)), 10),
        });
      }

      for (let k = 0; k < int(0, 5); k++) {
        caseN++;
        const status = weighted<string>([
          ['New', 2],
          ['Working', 2],
          ['Escalated', 1],
          ['Closed', 4],
        ]);
        rows.cases.push({
          id: sandboxId('500', caseN),
          case_number: String(1000 + caseN).padStart(8, '0'),
          account_id: accountId,
          contact_id: pick(contacts),
          subject: pick(CASE_SUBJECTS),
          status,
          priority: weighted<string>([
            ['High', 1],
            ['Medium', 2],
            ['Low', 2],
          ]),
          origin: pick(['Email', 'Phone', 'Web']),
          is_closed: status === 'Closed',
          created_at: at(addDays(anchorDate, -int(0, 180)), int(8, 18)),
        });
      }

      for (let k = 0; k < int(5, 14); k++) {
        const type = weighted<string>([
          ['Call', 4],
          ['Email', 4],
          ['Meeting', 2],
          ['Other', 1],
        ]);
        const date = addDays(anchorDate, -int(-14, 180));
        rows.tasks.push({
          id: sandboxId('00T', ++taskN),
          account_id: accountId,
          what_id: rand() < 0.5 ? accountId : pick(opportunityIds),
          who_id: pick(contacts),
          subject: pick(TASK_SUBJECTS[type]!),
          type,
          status: date <= anchorDate ? 'Completed' : 'Not Started',
          activity_date: date,
          owner_id: owner.id,
          description: null,
          created_at: at(date, 12),
        });
      }

      if (rand() < 0.85) {
        const term = pick([12, 24, 36]);
        const endDate = addDays(anchorDate, int(-60, 400));
        rows.contracts.push({
          id: sandboxId('800', ++contractN),
          contract_number: String(contractN).padStart(8, '0'),
          account_id: accountId,
          status: 'Activated',
          start_date: addDays(addMonths(endDate, -term), 1),
          end_date: endDate,
          term_months: term,
          owner_id: owner.id,
        });
      }
    });
  });
  return rows;
}
