import type { Random } from '@mcp-platform/server-kit';
import type { CorpusDocument } from './types.ts';

/** One policy: a name, the owning function, and the statements that make it specific. */
interface PolicySpec {
  slug: string;
  title: string;
  owner: string;
  tags: string[];
  statements: string[];
  /** Extra sections (heading → paragraphs) for the longer policies. */
  extra?: Record<string, string[]>;
}

const IT: readonly PolicySpec[] = [
  {
    slug: 'acceptable-use',
    title: 'Acceptable use policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'security'],
    statements: [
      'Company devices and accounts are for business use; limited personal use is allowed when it does not affect work or security.',
      'Do not install software from unknown sources or bypass security controls such as endpoint protection.',
      'Do not share accounts, passwords or MFA devices with anyone, including colleagues and IT staff.',
      'Report lost or stolen devices to the IT service desk within 1 hour.',
    ],
  },
  {
    slug: 'password-policy',
    title: 'Password and passphrase policy',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'passwords'],
    statements: [
      'Passwords must be at least 14 characters long; passphrases of four or more words are recommended.',
      'Passwords are not rotated on a schedule; they are changed immediately when compromise is suspected.',
      'Use the company password manager for every work credential; never store passwords in documents or chat.',
      'Service account secrets live in the secrets vault and are rotated every 90 days.',
    ],
  },
  {
    slug: 'multi-factor-authentication',
    title: 'Multi-factor authentication standard',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'mfa'],
    statements: [
      'MFA is mandatory for e-mail, VPN, single sign-on and every production system.',
      'Phishing-resistant factors (FIDO2 security keys or platform passkeys) are required for administrators.',
      'SMS codes are accepted only as a temporary recovery factor for up to 7 days.',
    ],
  },
  {
    slug: 'laptop-encryption',
    title: 'Laptop and endpoint encryption policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'security', 'encryption'],
    statements: [
      'Full-disk encryption (FileVault or BitLocker) must be enabled on every laptop before it receives company data.',
      'Recovery keys are escrowed in the device management system; users never keep them on paper.',
      'Devices that report encryption disabled for more than 24 hours lose access to single sign-on.',
    ],
  },
  {
    slug: 'data-classification',
    title: 'Data classification policy',
    owner: 'Information Security',
    tags: ['it-policy', 'data-protection'],
    statements: [
      'All data is classified as Public, Internal, Confidential or Restricted.',
      'Restricted data (card numbers, health data, credentials) may only be stored in systems approved for it.',
      'Confidential and Restricted documents must carry their classification label in the header or title.',
      'When unsure, treat data as Confidential and ask the data owner.',
    ],
  },
  {
    slug: 'remote-access-vpn',
    title: 'Remote access and VPN policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'remote-work', 'vpn'],
    statements: [
      'Internal systems are reached only through the corporate VPN or the zero-trust access proxy.',
      'VPN sessions disconnect after 12 hours and after 30 minutes of inactivity.',
      'Split tunnelling is disabled for administrators.',
    ],
  },
  {
    slug: 'byod',
    title: 'Bring your own device policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'mobile'],
    statements: [
      'Personal phones may access e-mail and chat only through the managed work profile.',
      'The company may wipe the work profile, never the whole personal device.',
      'Personal laptops may not access Confidential or Restricted data.',
    ],
  },
  {
    slug: 'software-installation',
    title: 'Software installation and licensing policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'software', 'licensing'],
    statements: [
      'Install software from the self-service catalogue; anything else needs an IT request with a business justification.',
      'Open-source tools are allowed when their licence is on the approved list.',
      'Browser extensions that read page content require Security approval.',
    ],
  },
  {
    slug: 'patch-management',
    title: 'Patch management standard',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'vulnerabilities'],
    statements: [
      'Critical security patches are applied within 7 days, high within 30 days, others within 90 days.',
      'Laptops restart for updates at least once a week; deferrals are limited to 3 days.',
      'Servers are patched through the monthly maintenance window unless a critical patch requires an emergency change.',
    ],
  },
  {
    slug: 'incident-response',
    title: 'Security incident response policy',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'incidents'],
    statements: [
      'Report suspected security incidents to security@example.com or the #security-incidents channel immediately.',
      'The Security on-call triages within 30 minutes and assigns a severity.',
      'Personal data breaches are assessed by the Data Protection Officer within 24 hours so that regulators can be notified within 72 hours.',
    ],
  },
  {
    slug: 'backup-and-retention',
    title: 'Backup and data retention standard',
    owner: 'Corporate IT',
    tags: ['it-policy', 'backup', 'retention'],
    statements: [
      'Production databases are backed up daily with point-in-time recovery for 14 days.',
      'Backups are copied to a second region and tested by a restore exercise every quarter.',
      'Retention periods follow the records schedule; data past its period is deleted within 30 days.',
    ],
  },
  {
    slug: 'access-review',
    title: 'Access review procedure',
    owner: 'Information Security',
    tags: ['it-policy', 'access-control', 'compliance'],
    statements: [
      "Managers review their team members' access to production and financial systems every quarter.",
      'Access not confirmed within 14 days of the review request is removed automatically.',
      'Leavers lose all access on their last working day; the HR system triggers the removal.',
    ],
  },
  {
    slug: 'privileged-access',
    title: 'Privileged access management policy',
    owner: 'Information Security',
    tags: ['it-policy', 'access-control', 'security'],
    statements: [
      'Administrative rights are granted just in time, for at most 8 hours, with a ticket reference.',
      'Privileged sessions to production are recorded.',
      'Break-glass accounts are sealed; every use is reviewed by Security the next business day.',
    ],
  },
  {
    slug: 'email-retention',
    title: 'E-mail and chat retention policy',
    owner: 'Legal',
    tags: ['it-policy', 'retention', 'legal'],
    statements: [
      'E-mail is kept for 3 years, chat messages for 18 months, unless a legal hold applies.',
      'Do not forward work e-mail to personal accounts.',
      'Legal holds override every retention period until Legal releases them.',
    ],
  },
  {
    slug: 'saas-approval',
    title: 'Third-party SaaS approval process',
    owner: 'Information Security',
    tags: ['it-policy', 'procurement', 'vendors'],
    statements: [
      'New SaaS tools that process Internal or higher data need a security review before purchase.',
      "The review takes up to 10 business days and includes the vendor's SOC 2 report or ISO 27001 certificate.",
      'Single sign-on integration is required for tools with more than 10 users.',
    ],
  },
  {
    slug: 'vulnerability-management',
    title: 'Vulnerability management policy',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'vulnerabilities'],
    statements: [
      'Internet-facing systems are scanned weekly and internal systems monthly.',
      'Critical findings on internet-facing systems are fixed within 72 hours.',
      'Exceptions need a documented compensating control and expire after 90 days.',
    ],
  },
  {
    slug: 'logging-and-monitoring',
    title: 'Logging and monitoring standard',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'logging'],
    statements: [
      'Security-relevant events (logins, privilege changes, data exports) are logged centrally for 13 months.',
      'Logs must not contain passwords, tokens or full card numbers.',
      'Alerts on authentication anomalies page the Security on-call.',
    ],
  },
  {
    slug: 'change-management',
    title: 'Change management policy',
    owner: 'Platform',
    tags: ['it-policy', 'change-management', 'operations'],
    statements: [
      'Production changes go through a reviewed pull request and the deployment pipeline.',
      'Standard changes are pre-approved; normal changes need approval from the service owner; emergency changes are reviewed within 2 business days.',
      'Change freezes apply during the last two weeks of December and on major sales events.',
    ],
  },
  {
    slug: 'encryption-key-management',
    title: 'Encryption and key management standard',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'encryption'],
    statements: [
      'Data is encrypted in transit with TLS 1.2 or later and at rest with AES-256.',
      'Keys live in the cloud key management service; application code never contains keys.',
      'Key rotation is yearly, or immediately after suspected exposure.',
    ],
  },
  {
    slug: 'clean-desk',
    title: 'Clean desk and screen lock policy',
    owner: 'Facilities',
    tags: ['it-policy', 'physical-security'],
    statements: [
      'Lock your screen whenever you leave your desk; screens lock automatically after 5 minutes.',
      'Confidential printouts are stored in locked drawers and shredded in the secure bins.',
    ],
  },
  {
    slug: 'removable-media',
    title: 'Removable media policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'security', 'data-protection'],
    statements: [
      'USB storage is blocked on company laptops by default.',
      'Exceptions are granted for encrypted company-issued drives only, for up to 30 days.',
    ],
  },
  {
    slug: 'cloud-security-baseline',
    title: 'Cloud security baseline',
    owner: 'Platform',
    tags: ['it-policy', 'cloud', 'security'],
    statements: [
      'Every cloud account belongs to the organisation and is created through the account vending pipeline.',
      'Public storage buckets are forbidden unless listed in the public content register.',
      'Root account credentials are sealed and protected by hardware MFA.',
    ],
  },
  {
    slug: 'secure-development',
    title: 'Secure software development policy',
    owner: 'Information Security',
    tags: ['it-policy', 'security', 'engineering'],
    statements: [
      'Every change is reviewed by a second engineer before merge.',
      'Dependencies are scanned on every build; critical vulnerabilities block the release.',
      'Secrets detected in a repository are revoked within 24 hours, even if the commit was removed.',
    ],
  },
  {
    slug: 'asset-management',
    title: 'IT asset management policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'assets'],
    statements: [
      'Every laptop, phone and monitor is registered to a named owner in the asset inventory.',
      'Devices are returned on the last working day; unreturned devices are remotely locked.',
      'Disposal uses certified data destruction with a certificate kept for 7 years.',
    ],
  },
  {
    slug: 'disaster-recovery',
    title: 'Disaster recovery policy',
    owner: 'Platform',
    tags: ['it-policy', 'disaster-recovery', 'operations'],
    statements: [
      'Tier 1 services have a recovery time objective of 1 hour and a recovery point objective of 5 minutes.',
      'Tier 2 services: RTO 4 hours, RPO 1 hour. Tier 3: RTO 24 hours, RPO 24 hours.',
      'Each tier 1 service runs a failover exercise at least twice a year.',
    ],
  },
  {
    slug: 'ai-tool-usage',
    title: 'Generative AI tool usage policy',
    owner: 'Information Security',
    tags: ['it-policy', 'ai', 'data-protection'],
    statements: [
      'Use only the AI assistants approved by IT for work data; consumer AI tools may receive Public data only.',
      'Never paste Restricted data (credentials, card numbers, health data) into any AI tool.',
      'Content produced with AI is reviewed by a person before it is published or sent to a customer.',
    ],
  },
  {
    slug: 'wireless-network',
    title: 'Wireless network policy',
    owner: 'Corporate IT',
    tags: ['it-policy', 'network'],
    statements: [
      'The corporate Wi-Fi uses certificate-based authentication; guests use the isolated guest network.',
      'Personal hotspots are allowed when travelling; public Wi-Fi requires the VPN.',
    ],
  },
];

const PROCUREMENT: readonly PolicySpec[] = [
  {
    slug: 'contract-renewal-notice-periods',
    title: 'Contract renewal and notice period policy',
    owner: 'Procurement',
    tags: ['procurement', 'contracts', 'renewals'],
    statements: [
      'Auto-renewing contracts must be reviewed at least 120 days before the end of their term.',
      'Written notice of non-renewal must reach the supplier at least 90 days before the renewal date, unless the contract states a longer notice period; the longer period always applies.',
      'Software subscriptions above 50,000 EUR per year require a renewal business case approved by the budget owner 60 days before the notice deadline.',
      'Notice is sent by Procurement, in writing, to the notice address in the contract; e-mail alone is valid only when the contract allows it.',
      'Contract owners receive automatic reminders from the contract management system at 180, 120 and 100 days before the renewal date.',
    ],
    extra: {
      'Notice periods by contract type': [
        'Software and SaaS subscriptions: 90 days unless the contract says otherwise.',
        'Facilities and office services: 6 months.',
        'Consulting framework agreements: 30 days, with termination for convenience.',
        'Telecommunications: 60 days; number porting must start before notice is given.',
      ],
      'Missed notice deadlines': [
        'If a deadline is missed, Procurement asks the supplier for a one-time extension and records the exception; the contract owner explains the miss to the budget owner.',
      ],
    },
  },
  {
    slug: 'purchase-approval-thresholds',
    title: 'Purchase approval thresholds',
    owner: 'Finance',
    tags: ['procurement', 'approvals', 'finance'],
    statements: [
      'Purchases up to 5,000 EUR are approved by the budget owner.',
      'From 5,000 EUR to 50,000 EUR the department head also approves.',
      'From 50,000 EUR to 250,000 EUR the CFO approves; above 250,000 EUR the CEO and CFO approve together.',
      'Splitting a purchase to stay under a threshold is a policy violation.',
    ],
  },
  {
    slug: 'vendor-onboarding',
    title: 'Vendor onboarding procedure',
    owner: 'Procurement',
    tags: ['procurement', 'vendors', 'onboarding'],
    statements: [
      'New vendors are created only by Procurement after sanctions screening and bank detail verification.',
      'Bank details are confirmed by a call-back to a known phone number, never by e-mail alone.',
      'Vendors that process personal data sign the data processing agreement before any data is shared.',
    ],
  },
  {
    slug: 'signature-authority',
    title: 'Contract signature authority',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'legal'],
    statements: [
      'Only the officers listed in the signature authority matrix may sign contracts on behalf of the company.',
      'Contracts above 100,000 EUR total value need Legal review before signature.',
      'Electronic signatures through the approved e-signature platform are binding and preferred.',
    ],
  },
  {
    slug: 'competitive-bidding',
    title: 'Competitive bidding policy',
    owner: 'Procurement',
    tags: ['procurement', 'sourcing'],
    statements: [
      'Purchases above 50,000 EUR require at least three written quotes.',
      'Purchases above 250,000 EUR require a formal request for proposal run by Procurement.',
      'Evaluation criteria and weights are fixed before bids are opened.',
    ],
  },
  {
    slug: 'sole-source-justification',
    title: 'Sole source justification',
    owner: 'Procurement',
    tags: ['procurement', 'sourcing', 'exceptions'],
    statements: [
      'A sole source purchase above 50,000 EUR needs a written justification approved by the department head and Procurement.',
      'Valid reasons include proprietary technology, compatibility with installed systems and documented emergencies.',
    ],
  },
  {
    slug: 'purchase-orders',
    title: 'Purchase order policy',
    owner: 'Finance',
    tags: ['procurement', 'finance', 'purchase-orders'],
    statements: [
      'A purchase order is raised before goods or services are ordered ("no PO, no pay").',
      'Invoices without a valid PO number are returned to the supplier.',
      'Retroactive purchase orders require an explanation and are reported monthly to the CFO.',
    ],
  },
  {
    slug: 'payment-terms',
    title: 'Supplier payment terms',
    owner: 'Finance',
    tags: ['procurement', 'finance', 'payments'],
    statements: [
      'Standard payment terms are 45 days from the invoice date.',
      'Small suppliers (fewer than 50 employees) are paid within 30 days.',
      'Early payment discounts are taken when the annualised return exceeds 8%.',
    ],
  },
  {
    slug: 'supplier-code-of-conduct',
    title: 'Supplier code of conduct',
    owner: 'Procurement',
    tags: ['procurement', 'vendors', 'ethics'],
    statements: [
      'Suppliers respect human rights, fair labour practices and environmental law.',
      'Suppliers must report conflicts of interest and may not offer gifts above 50 EUR to employees.',
      'Breaches may lead to termination of the contract.',
    ],
  },
  {
    slug: 'contract-records-retention',
    title: 'Contract records retention',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'retention'],
    statements: [
      'Signed contracts and amendments are stored in the contract management system.',
      'Contracts are retained for 10 years after they end.',
    ],
  },
  {
    slug: 'price-escalation-clauses',
    title: 'Price escalation clause standard',
    owner: 'Procurement',
    tags: ['procurement', 'contracts', 'pricing'],
    statements: [
      'Multi-year contracts cap yearly price increases at the consumer price index or 5%, whichever is lower.',
      'Uncapped escalation clauses need CFO approval.',
    ],
  },
  {
    slug: 'termination-for-convenience',
    title: 'Termination for convenience standard',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'termination'],
    statements: [
      'Service contracts include a right to terminate for convenience with at most 90 days notice.',
      'Prepaid fees for the period after termination are refunded pro rata.',
    ],
  },
  {
    slug: 'sla-management',
    title: 'Supplier service level management',
    owner: 'Procurement',
    tags: ['procurement', 'vendors', 'sla'],
    statements: [
      'Critical suppliers report against their SLAs monthly.',
      'Service credits are claimed by the contract owner within 30 days of the breach.',
      'Two consecutive quarters of SLA breaches trigger a supplier performance review.',
    ],
  },
  {
    slug: 'data-processing-agreements',
    title: 'Data processing agreements',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'data-protection'],
    statements: [
      'Every supplier processing personal data on our behalf signs our data processing agreement.',
      'Transfers outside the EEA use the standard contractual clauses and a transfer impact assessment.',
    ],
  },
  {
    slug: 'supplier-insurance',
    title: 'Supplier insurance requirements',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'insurance'],
    statements: [
      'Suppliers working on site carry public liability insurance of at least 5 million EUR.',
      'Software suppliers with access to production data carry cyber insurance of at least 2 million EUR.',
    ],
  },
  {
    slug: 'hardware-procurement',
    title: 'Hardware procurement standard',
    owner: 'Corporate IT',
    tags: ['procurement', 'hardware', 'it'],
    statements: [
      'Laptops and phones are ordered from the standard catalogue through the IT portal.',
      'Non-standard hardware needs an IT architecture review.',
    ],
  },
  {
    slug: 'cloud-commitments',
    title: 'Cloud spend commitment policy',
    owner: 'Finance',
    tags: ['procurement', 'cloud', 'finance'],
    statements: [
      'Reserved capacity and committed-use discounts above 100,000 EUR are approved by the CFO.',
      'Commitments are reviewed quarterly against actual usage by the FinOps team.',
    ],
  },
  {
    slug: 'consulting-sow',
    title: 'Consulting statements of work',
    owner: 'Procurement',
    tags: ['procurement', 'contracts', 'consulting'],
    statements: [
      'Every consulting engagement has a statement of work with deliverables, milestones and acceptance criteria.',
      'Time-and-materials engagements have a not-to-exceed amount.',
      'Consultants do not receive production access without a background check.',
    ],
  },
  {
    slug: 'software-licence-management',
    title: 'Software licence management',
    owner: 'Corporate IT',
    tags: ['procurement', 'software', 'licensing'],
    statements: [
      'Licences are assigned and reclaimed through the software asset management tool.',
      'Licences unused for 60 days are reclaimed before renewal.',
      'True-up reports are prepared 30 days before the licence anniversary.',
    ],
  },
  {
    slug: 'msa-template-guide',
    title: 'Master services agreement template guide',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'templates'],
    statements: [
      'Start every services contract from the current MSA template in the contract management system.',
      'Liability caps below 12 months of fees need Legal approval.',
      "The governing law is the law of the contracting company's seat.",
    ],
  },
  {
    slug: 'nda-policy',
    title: 'Non-disclosure agreement policy',
    owner: 'Legal',
    tags: ['procurement', 'contracts', 'confidentiality'],
    statements: [
      'Use the mutual NDA template for discussions with prospective suppliers.',
      'NDAs are signed before any Confidential information is shared.',
      'NDAs last 3 years; trade secrets stay protected for as long as they remain secret.',
    ],
  },
];

const HR: readonly PolicySpec[] = [
  {
    slug: 'paid-time-off',
    title: 'Paid time off',
    owner: 'People Team',
    tags: ['hr', 'leave'],
    statements: [
      'Full-time employees receive 28 days of paid time off per year plus public holidays.',
      'Up to 5 unused days carry over to the next year and expire on 31 March.',
      'Request leave in the HR system at least two weeks ahead for absences longer than 3 days.',
    ],
  },
  {
    slug: 'sick-leave',
    title: 'Sick leave',
    owner: 'People Team',
    tags: ['hr', 'leave', 'health'],
    statements: [
      'Tell your manager before your usual start time when you are sick.',
      'A medical certificate is required from the fourth consecutive day of absence.',
      'Sick leave is paid in full for up to 6 weeks per year.',
    ],
  },
  {
    slug: 'parental-leave',
    title: 'Parental leave',
    owner: 'People Team',
    tags: ['hr', 'leave', 'family'],
    statements: [
      'Birth parents receive 20 weeks of fully paid leave; other parents receive 12 weeks.',
      'Leave can be taken in up to three blocks within 18 months of the birth or adoption.',
      'A phased return at 80% hours for full pay is available for 4 weeks.',
    ],
  },
  {
    slug: 'remote-work',
    title: 'Remote and hybrid work',
    owner: 'People Team',
    tags: ['hr', 'remote-work'],
    statements: [
      'Employees may work remotely up to 3 days a week by agreement with their manager.',
      'Working from another country for more than 20 days a year needs approval because of tax and immigration rules.',
      'A one-time home office allowance of 500 EUR is available.',
    ],
  },
  {
    slug: 'expenses',
    title: 'Business expenses',
    owner: 'Finance',
    tags: ['hr', 'expenses', 'finance'],
    statements: [
      'Submit expenses within 30 days with itemised receipts.',
      'Meals while travelling are reimbursed up to 60 EUR per day.',
      'Alcohol is not reimbursed except at approved client events.',
    ],
  },
  {
    slug: 'business-travel',
    title: 'Business travel',
    owner: 'Finance',
    tags: ['hr', 'travel', 'expenses'],
    statements: [
      'Book travel through the corporate travel tool.',
      'Economy class for flights under 6 hours; premium economy above.',
      'Trains are preferred for journeys under 4 hours.',
    ],
  },
  {
    slug: 'code-of-conduct',
    title: 'Code of conduct',
    owner: 'Legal',
    tags: ['hr', 'ethics', 'conduct'],
    statements: [
      'Treat colleagues, customers and partners with respect.',
      'Report concerns to your manager, the People Team or the anonymous ethics hotline.',
      'Retaliation against anyone who raises a concern in good faith is forbidden.',
    ],
  },
  {
    slug: 'anti-harassment',
    title: 'Anti-harassment and reporting',
    owner: 'People Team',
    tags: ['hr', 'conduct', 'safety'],
    statements: [
      'Harassment of any kind is not tolerated, online or offline.',
      'Reports are investigated within 10 business days by a trained investigator.',
      'Interim measures protect the reporting person during the investigation.',
    ],
  },
  {
    slug: 'performance-reviews',
    title: 'Performance reviews',
    owner: 'People Team',
    tags: ['hr', 'performance'],
    statements: [
      'Performance conversations happen twice a year, in March and September.',
      'Ratings are calibrated across teams before they are shared.',
      'Employees write a self-review before each conversation.',
    ],
  },
  {
    slug: 'onboarding',
    title: 'Onboarding new employees',
    owner: 'People Team',
    tags: ['hr', 'onboarding'],
    statements: [
      'Managers order equipment at least 10 business days before the start date.',
      'Every new hire gets an onboarding buddy for the first 3 months.',
      'Mandatory security and privacy training is completed within the first week.',
    ],
  },
  {
    slug: 'offboarding',
    title: 'Offboarding and leaving the company',
    owner: 'People Team',
    tags: ['hr', 'offboarding'],
    statements: [
      'Managers start offboarding in the HR system as soon as a leaving date is known.',
      'Equipment is returned on the last working day.',
      'Access is removed automatically at the end of the last working day.',
    ],
  },
  {
    slug: 'benefits-enrollment',
    title: 'Benefits enrollment',
    owner: 'People Team',
    tags: ['hr', 'benefits'],
    statements: [
      'Enrol in benefits within 30 days of your start date.',
      'Open enrollment runs every November for changes from 1 January.',
      'Life events (marriage, birth) allow changes within 30 days.',
    ],
  },
  {
    slug: 'pension-plan',
    title: 'Pension plan',
    owner: 'People Team',
    tags: ['hr', 'benefits', 'pension'],
    statements: [
      'The company matches pension contributions up to 5% of base salary.',
      'Matching starts after the probation period.',
    ],
  },
  {
    slug: 'health-insurance',
    title: 'Health insurance',
    owner: 'People Team',
    tags: ['hr', 'benefits', 'health'],
    statements: [
      'Employees and their dependants are covered by the company health plan from the first day.',
      'Dental and vision are included; the yearly deductible is 250 EUR.',
    ],
  },
  {
    slug: 'working-hours',
    title: 'Working hours and overtime',
    owner: 'People Team',
    tags: ['hr', 'working-time'],
    statements: [
      'Standard working time is 40 hours a week with core hours from 10:00 to 15:00.',
      'Overtime for hourly employees is approved in advance and paid at 125%.',
      'On-call duty is compensated with a weekly allowance and time off in lieu.',
    ],
  },
  {
    slug: 'public-holidays',
    title: 'Public holidays',
    owner: 'People Team',
    tags: ['hr', 'leave'],
    statements: [
      'Public holidays follow the country of your employment contract.',
      'Working on a public holiday is compensated with a day off within 3 months.',
    ],
  },
  {
    slug: 'learning-budget',
    title: 'Learning and development budget',
    owner: 'People Team',
    tags: ['hr', 'learning'],
    statements: [
      'Each employee has a learning budget of 1,500 EUR per year.',
      'Conferences, courses and certifications qualify; books are reimbursed without approval.',
      'Certifications costing more than 2,000 EUR need a retention agreement.',
    ],
  },
  {
    slug: 'referral-bonus',
    title: 'Employee referral bonus',
    owner: 'People Team',
    tags: ['hr', 'recruiting'],
    statements: [
      'A referral bonus of 2,000 EUR is paid when the referred person passes probation.',
      'Managers do not receive bonuses for hires into their own team.',
    ],
  },
  {
    slug: 'relocation',
    title: 'Relocation support',
    owner: 'People Team',
    tags: ['hr', 'relocation'],
    statements: [
      'Relocation support covers moving costs, 30 days of temporary housing and visa fees.',
      'Employees who leave within 12 months repay relocation costs pro rata.',
    ],
  },
  {
    slug: 'whistleblowing',
    title: 'Whistleblowing',
    owner: 'Legal',
    tags: ['hr', 'ethics', 'compliance'],
    statements: [
      'Report suspected fraud, corruption or legal breaches through the whistleblowing platform, anonymously if you wish.',
      'Reports are acknowledged within 7 days and answered within 3 months.',
    ],
  },
  {
    slug: 'conflicts-of-interest',
    title: 'Conflicts of interest',
    owner: 'Legal',
    tags: ['hr', 'ethics', 'compliance'],
    statements: [
      'Declare outside jobs, board seats and financial interests in suppliers or competitors.',
      'Declarations are renewed every year in January.',
    ],
  },
  {
    slug: 'gifts-and-entertainment',
    title: 'Gifts and entertainment',
    owner: 'Legal',
    tags: ['hr', 'ethics', 'compliance'],
    statements: [
      'Gifts up to 50 EUR may be accepted; anything above is declared and usually returned.',
      'Never accept gifts from a supplier during a tender.',
    ],
  },
  {
    slug: 'bereavement-leave',
    title: 'Bereavement leave',
    owner: 'People Team',
    tags: ['hr', 'leave'],
    statements: [
      'Up to 10 days of paid leave after the death of a close family member.',
      'Up to 3 days for other relatives and friends.',
    ],
  },
  {
    slug: 'sabbatical',
    title: 'Sabbatical leave',
    owner: 'People Team',
    tags: ['hr', 'leave'],
    statements: [
      'After 5 years of service, employees may take an unpaid sabbatical of up to 3 months.',
      'Request it at least 3 months in advance.',
    ],
  },
  {
    slug: 'internal-transfers',
    title: 'Internal transfers',
    owner: 'People Team',
    tags: ['hr', 'careers'],
    statements: [
      'Employees may apply for internal roles after 12 months in their current role.',
      'Tell your manager before the final interview.',
    ],
  },
  {
    slug: 'promotions',
    title: 'Promotions',
    owner: 'People Team',
    tags: ['hr', 'careers', 'compensation'],
    statements: [
      'Promotions are decided in the twice-yearly calibration.',
      'A promotion comes with a salary increase of at least 8%.',
    ],
  },
  {
    slug: 'pay-schedule',
    title: 'Pay schedule and payslips',
    owner: 'Finance',
    tags: ['hr', 'payroll'],
    statements: [
      'Salaries are paid on the 25th of each month, or the last business day before it.',
      'Payslips are available in the HR system; paper payslips are not issued.',
    ],
  },
  {
    slug: 'probation',
    title: 'Probation period',
    owner: 'People Team',
    tags: ['hr', 'employment'],
    statements: [
      'The probation period is 6 months.',
      'During probation the notice period is 2 weeks for both sides.',
    ],
  },
  {
    slug: 'resignation-notice',
    title: 'Resignation and notice periods',
    owner: 'People Team',
    tags: ['hr', 'employment', 'offboarding'],
    statements: [
      'After probation, the notice period is 1 month for individual contributors and 3 months for managers.',
      'Resignations are submitted in writing to your manager and the People Team.',
      'Unused paid time off is paid out or taken before the leaving date.',
    ],
  },
  {
    slug: 'employee-privacy',
    title: 'Employee data privacy notice',
    owner: 'Legal',
    tags: ['hr', 'privacy', 'data-protection'],
    statements: [
      'HR data is processed to manage employment, pay and benefits.',
      'Employees can see their own data in the HR system and ask for a copy at any time.',
      'HR records are kept for 7 years after employment ends.',
    ],
  },
  {
    slug: 'wellbeing',
    title: 'Wellbeing programme',
    owner: 'People Team',
    tags: ['hr', 'health', 'wellbeing'],
    statements: [
      'The employee assistance programme offers free, confidential counselling.',
      'A yearly wellbeing allowance of 300 EUR covers sports, mental health apps and similar.',
    ],
  },
  {
    slug: 'volunteering',
    title: 'Volunteering days',
    owner: 'People Team',
    tags: ['hr', 'community'],
    statements: ['Employees get 2 paid volunteering days per year for registered charities.'],
  },
  {
    slug: 'equipment',
    title: 'Work equipment',
    owner: 'Corporate IT',
    tags: ['hr', 'equipment', 'it'],
    statements: [
      'Employees receive a laptop, headset and monitor; a second monitor is available on request.',
      'Laptops are replaced every 4 years.',
    ],
  },
  {
    slug: 'workplace-safety',
    title: 'Workplace health and safety',
    owner: 'Facilities',
    tags: ['hr', 'safety'],
    statements: [
      'Report accidents and near misses to Facilities within 24 hours.',
      'Fire drills take place twice a year; follow the floor wardens.',
    ],
  },
  {
    slug: 'compensation-bands',
    title: 'Compensation bands',
    owner: 'People Team',
    tags: ['hr', 'compensation'],
    statements: [
      'Every role has a published salary band per level and location.',
      'Offers above the band midpoint need approval from the People Team.',
    ],
  },
];

function policyMarkdown(spec: PolicySpec, space: string, random: Random, updated: Date): string {
  const effective = new Date(updated.getTime() - random.int(0, 20) * 86_400_000).toISOString().slice(0, 10);
  const version = `${random.int(1, 4)}.${random.int(0, 9)}`;
  const extra = Object.entries(spec.extra ?? {})
    .map(([heading, paragraphs]) => `## ${heading}\n\n${paragraphs.map((p) => `- ${p}`).join('\n')}\n`)
    .join('\n');
  return `---
title: ${spec.title}
tags: [${spec.tags.join(', ')}]
url: https://wiki.example.com/${space.toLowerCase()}/${spec.slug}
updated: ${updated.toISOString()}
---
# ${spec.title}

Owner: ${spec.owner}. Version ${version}, effective ${effective}.

## Purpose

This document sets out the rules on ${spec.title.toLowerCase()} so that everyone at the company knows what is expected and whom to ask.

## Scope

It applies to all employees, contractors and temporary staff${spec.tags.includes('procurement') ? ', and to every purchase made on behalf of the company' : ''}.

## Policy

${spec.statements.map((s, i) => `${i + 1}. ${s}`).join('\n')}

${extra}
## Exceptions

Exceptions are requested from ${spec.owner} in writing, with a reason and an end date. Approved exceptions are recorded and reviewed every ${random.pick(['6 months', 'year'])}.

## Contacts

Questions go to ${spec.owner} through the service portal.

## Review

${spec.owner} reviews this document every year, or sooner when laws or the organisation change.
`;
}

export function policies(random: Random, daysAgo: (r: Random) => number, now: Date): CorpusDocument[] {
  const sets: Array<[readonly PolicySpec[], string, string, string]> = [
    [IT, 'IT', 'IT policies', 'it'],
    [PROCUREMENT, 'PROC', 'Procurement and contracts', 'procurement'],
    [HR, 'HR', 'HR handbook', 'hr'],
  ];
  const docs: CorpusDocument[] = [];
  for (const [specs, key, name, folder] of sets) {
    for (const spec of specs) {
      const updated = new Date(now.getTime() - daysAgo(random) * 86_400_000);
      docs.push({
        path: `${folder}/${spec.slug}.md`,
        space: { key, name },
        markdown: policyMarkdown(spec, key, random, updated),
      });
    }
  }
  return docs;
}
