/**
 * The procurement vocabulary shared by tools and backends: SAP key formats (checked before any value
 * reaches a `$filter` or SQL), status enums fixed in code, and the record shapes tools return. Money is
 * `{amount, currency}` with the amount a decimal string; dates are ISO `YYYY-MM-DD`.
 */
import { z } from 'zod';
import { CURRENCY_CODE, DECIMAL } from './money.ts';

/** SAP key formats (ABAP domain lengths; numeric document numbers are 10 digits). */
export const SAP = {
  supplier: /^[0-9A-Z]{1,10}$/,
  purchaseOrder: /^\d{10}$/,
  supplierInvoice: /^\d{10}$/,
  fiscalYear: /^\d{4}$/,
  contract: /^\d{10}$/,
  requisition: /^\d{1,10}$/,
  companyCode: /^[0-9A-Z]{4}$/,
  plant: /^[0-9A-Z]{4}$/,
  purchasingGroup: /^[0-9A-Z]{3}$/,
  purchasingOrg: /^[0-9A-Z]{4}$/,
  country: /^[A-Z]{2}$/,
  industry: /^[0-9A-Z]{1,4}$/,
  material: /^[0-9A-Z_-]{1,40}$/,
  unit: /^[0-9A-Z]{1,3}$/,
  paymentTerms: /^[0-9A-Z]{1,4}$/,
} as const;

/** Supplier categories: SAP industry keys (A_Supplier.Industry) and what they mean in this company. */
export const CATEGORIES = {
  RAW: 'Raw materials',
  ELEC: 'Electronic components',
  PACK: 'Packaging',
  LOGI: 'Logistics',
  ITSV: 'IT services',
  FACL: 'Facility services',
  MRO: 'Maintenance, repair and operations',
  CHEM: 'Chemicals',
} as const;
export type Category = keyof typeof CATEGORIES;
export const CATEGORY_KEYS = Object.keys(CATEGORIES) as [Category, ...Category[]];

/** Purchase order approval (SAP PurchasingProcessingStatus) as tool values and SAP codes. */
export const APPROVAL_STATUS = {
  in_process: '01',
  in_approval: '03',
  released: '05',
  rejected: '08',
} as const;
export type ApprovalStatus = keyof typeof APPROVAL_STATUS;
export const APPROVAL_STATUSES = Object.keys(APPROVAL_STATUS) as [ApprovalStatus, ...ApprovalStatus[]];
export function approvalStatusOf(code: string): ApprovalStatus {
  const found = APPROVAL_STATUSES.find((s) => APPROVAL_STATUS[s] === code);
  return found ?? 'in_process';
}

export const DELIVERY_STATUSES = ['not_delivered', 'partially_delivered', 'delivered'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const INVOICE_STATUSES = ['not_invoiced', 'partially_invoiced', 'invoiced'] as const;
export type InvoiceProgress = (typeof INVOICE_STATUSES)[number];
/** A supplier invoice's payment state: `blocked` = open with a payment block. */
export const PAYMENT_STATUSES = ['paid', 'open', 'blocked'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const moneySchema = z
  .object({
    amount: z.string().regex(DECIMAL).describe('Exact decimal amount as a string, e.g. "1234.50"'),
    currency: z.string().regex(CURRENCY_CODE).describe('ISO 4217 currency code'),
  })
  .describe('An amount with its currency (never summed across currencies)');
export const totalsSchema = z
  .array(moneySchema.extend({ count: z.number().int() }))
  .describe('One total per currency (amounts in different currencies are never added together)');

export const cashDiscountSchema = z.object({ days: z.number().int(), percent: z.string() });
export const paymentTermsSchema = z.object({
  key: z.string().describe('SAP payment terms key, e.g. NT30'),
  netDays: z
    .number()
    .int()
    .nullable()
    .describe('Days until the invoice is due net (null: key not in the mapping)'),
  cashDiscounts: z
    .array(cashDiscountSchema)
    .describe('Early-payment discounts: pay within `days` to deduct `percent`'),
});
export type PaymentTerms = z.infer<typeof paymentTermsSchema>;

export const supplierSchema = z.object({
  id: z.string().describe('SAP supplier number'),
  name: z.string(),
  country: z.string().nullable().describe('ISO country code of the main address'),
  city: z.string().nullable(),
  category: z.string().nullable().describe('Industry key (RAW, ELEC, PACK, …)'),
  categoryName: z.string().nullable(),
  purchasingBlocked: z.boolean(),
  paymentBlocked: z.boolean(),
});
export type Supplier = z.infer<typeof supplierSchema>;

export const companyTermsSchema = paymentTermsSchema.extend({ companyCode: z.string() });
export type CompanyTerms = z.infer<typeof companyTermsSchema>;

export const poItemSchema = z.object({
  item: z.string().describe('Item number (00010, 00020, …)'),
  material: z.string().nullable(),
  description: z.string(),
  quantity: z.string(),
  unit: z.string(),
  netPrice: moneySchema.describe('Net price per price unit'),
  priceUnit: z.string(),
  netValue: moneySchema,
  plant: z.string(),
  deliveryDate: z.string().nullable(),
  receivedQuantity: z.string().describe('Goods received so far'),
  invoicedQuantity: z.string().describe('Quantity invoiced so far'),
  deliveryCompleted: z.boolean(),
  finallyInvoiced: z.boolean(),
});
export type PurchaseOrderItem = z.infer<typeof poItemSchema>;

export const purchaseOrderSchema = z.object({
  id: z.string().describe('Purchase order number'),
  supplierId: z.string(),
  supplierName: z.string().nullable(),
  companyCode: z.string(),
  purchasingGroup: z.string(),
  orderDate: z.string(),
  netValue: moneySchema,
  approvalStatus: z.enum(APPROVAL_STATUSES),
  deliveryStatus: z.enum(DELIVERY_STATUSES),
  invoiceStatus: z.enum(INVOICE_STATUSES),
  nextDeliveryDate: z
    .string()
    .nullable()
    .describe('Earliest delivery date of an item not yet fully delivered'),
});
export type PurchaseOrder = z.infer<typeof purchaseOrderSchema>;
export const purchaseOrderDetailSchema = purchaseOrderSchema.extend({
  paymentTerms: z.string().nullable(),
  items: z.array(poItemSchema),
  invoices: z.array(
    z.object({
      id: z.string(),
      fiscalYear: z.string(),
      gross: moneySchema,
      status: z.enum(PAYMENT_STATUSES),
    }),
  ),
});
export type PurchaseOrderDetail = z.infer<typeof purchaseOrderDetailSchema>;

export const invoiceSchema = z.object({
  id: z.string().describe('Supplier invoice document number'),
  fiscalYear: z.string(),
  supplierId: z.string(),
  companyCode: z.string(),
  purchaseOrder: z.string().nullable(),
  documentDate: z.string(),
  dueDate: z.string().nullable(),
  paidDate: z.string().nullable(),
  daysToPay: z.number().int().nullable().describe('Days from document date to payment (paid invoices)'),
  gross: moneySchema,
  paymentTerms: z.string().nullable(),
  status: z.enum(PAYMENT_STATUSES),
  paymentBlockReason: z
    .string()
    .nullable()
    .describe('SAP payment block key (A: blocked for payment, R: invoice verification, …)'),
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const contractSchema = z.object({
  id: z.string().describe('Purchase contract number'),
  supplierId: z.string(),
  supplierName: z.string().nullable(),
  companyCode: z.string(),
  description: z.string(),
  validFrom: z.string(),
  validTo: z.string(),
  targetValue: moneySchema,
});
export type Contract = z.infer<typeof contractSchema>;

export const PLANTS = {
  '1010': { name: 'Hamburg Plant', companyCode: '1010' },
  '1020': { name: 'Munich Plant', companyCode: '1010' },
  '1710': { name: 'Chicago Plant', companyCode: '1710' },
  '2010': { name: 'Lyon Plant', companyCode: '2010' },
} as const;
export const PURCHASING_GROUPS = {
  '001': 'Direct materials',
  '002': 'Indirect materials',
  '003': 'Services',
} as const;
export const COMPANY_CODES = { '1010': 'EUR', '1710': 'USD', '2010': 'EUR' } as const;
