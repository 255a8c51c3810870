/**
 * Backend facts → the model. Both backends read the same business facts under their own names (SAP's
 * OData properties, the sandbox's columns) and hand them here, so what is derived from them (category
 * names, payment status, days to pay, delivery and invoicing progress) is worked out in one place.
 */
import {
  CATEGORIES,
  type Category,
  type DeliveryStatus,
  type Invoice,
  type InvoiceProgress,
  type PaymentStatus,
  type PurchaseOrderDetail,
  type Supplier,
} from '../model.ts';
import { daysBetween } from './sandbox-seed.ts';

/** A supplier, its category named. */
export function toSupplier(fields: Omit<Supplier, 'categoryName'> & { category: Category | null }): Supplier {
  const { category } = fields;
  return {
    id: fields.id,
    name: fields.name,
    country: fields.country,
    city: fields.city,
    category,
    categoryName: category ? (CATEGORIES[category] ?? null) : null,
    purchasingBlocked: fields.purchasingBlocked,
    paymentBlocked: fields.paymentBlocked,
  };
}

/** What a backend knows of an invoice; status, days to pay and the block reason follow from it. */
export type InvoiceFacts = Omit<Invoice, 'daysToPay' | 'status' | 'paymentBlockReason'> & {
  /** The payment block reason on the document (it stays set after payment). */
  paymentBlock: string | null;
};

export function toInvoice(facts: InvoiceFacts): Invoice {
  const paid = facts.paidDate;
  const status: PaymentStatus = paid !== null ? 'paid' : facts.paymentBlock !== null ? 'blocked' : 'open';
  return {
    id: facts.id,
    fiscalYear: facts.fiscalYear,
    supplierId: facts.supplierId,
    companyCode: facts.companyCode,
    purchaseOrder: facts.purchaseOrder,
    documentDate: facts.documentDate,
    dueDate: facts.dueDate,
    paidDate: paid,
    daysToPay: paid === null ? null : daysBetween(facts.documentDate, paid),
    gross: facts.gross,
    paymentTerms: facts.paymentTerms,
    status,
    paymentBlockReason: paid === null ? facts.paymentBlock : null,
  };
}

/** An invoice as a purchase order lists it. */
export function invoiceOfOrder(invoice: Invoice): PurchaseOrderDetail['invoices'][number] {
  return { id: invoice.id, fiscalYear: invoice.fiscalYear, gross: invoice.gross, status: invoice.status };
}

/** Delivery progress of a purchase order from its items. */
export function deliveryStatus(allDelivered: boolean, anyReceived: boolean): DeliveryStatus {
  return allDelivered ? 'delivered' : anyReceived ? 'partially_delivered' : 'not_delivered';
}

/** Invoicing progress of a purchase order from its items. */
export function invoiceProgress(allInvoiced: boolean, anyInvoiced: boolean): InvoiceProgress {
  return allInvoiced ? 'invoiced' : anyInvoiced ? 'partially_invoiced' : 'not_invoiced';
}
