/**
 * The sandbox S/4HANA's demo data, generated from a seeded PRNG relative to an anchor date: the same
 * anchor and seed always give the same rows. ~200 suppliers in 15 countries and 8 categories with
 * payment terms per company code, ~3,000 purchase orders with items over the two years before the
 * anchor, ~5,000 supplier invoices (paid, open, blocked), 150 purchase contracts whose ends spread
 * over the past year and the coming quarters, plants and purchasing groups. Amounts are decimal
 * strings computed with big.js. The fake S/4HANA in the tests serves the very same rows over OData.
 */
import { type Random, seededRandom } from '@mcp-platform/server-kit';
import Big from 'big.js';
import { CATEGORY_KEYS, type Category, COMPANY_CODES, PLANTS } from '../model.ts';
import { lineValue } from '../money.ts';

export interface SupplierRow {
  id: string;
  name: string;
  country: string;
  city: string;
  category: Category;
  purchasing_blocked: boolean;
  payment_blocked: boolean;
}
export interface SupplierCompanyRow {
  supplier_id: string;
  company_code: string;
  payment_terms: string;
}
export interface PurchaseOrderRow {
  id: string;
  supplier_id: string;
  company_code: string;
  purchasing_group: string;
  order_date: string;
  currency: string;
  approval_code: string;
  payment_terms: string;
}
export interface PurchaseOrderItemRow {
  po_id: string;
  item: string;
  material: string | null;
  description: string;
  quantity: string;
  unit: string;
  net_price: string;
  price_unit: string;
  plant: string;
  delivery_date: string;
  received_quantity: string;
  invoiced_quantity: string;
  delivery_completed: boolean;
  finally_invoiced: boolean;
}
export interface InvoiceRow {
  id: string;
  fiscal_year: string;
  supplier_id: string;
  company_code: string;
  po_id: string | null;
  document_date: string;
  due_date: string;
  paid_date: string | null;
  currency: string;
  gross_amount: string;
  payment_terms: string;
  payment_block: string | null;
}
export interface ContractRow {
  id: string;
  supplier_id: string;
  company_code: string;
  description: string;
  valid_from: string;
  valid_to: string;
  target_value: string;
  currency: string;
}

export interface SeedData {
  anchor: string;
  suppliers: SupplierRow[];
  supplierCompanies: SupplierCompanyRow[];
  purchaseOrders: PurchaseOrderRow[];
  purchaseOrderItems: PurchaseOrderItemRow[];
  invoices: InvoiceRow[];
  contracts: ContractRow[];
}

const DAY = 86_400_000;
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

const COUNTRIES: ReadonlyArray<[string, string[]]> = [
  ['DE', ['Hamburg', 'Munich', 'Stuttgart', 'Cologne']],
  ['US', ['Chicago', 'Houston', 'Atlanta', 'Denver']],
  ['FR', ['Lyon', 'Paris', 'Toulouse']],
  ['IT', ['Milan', 'Turin', 'Bologna']],
  ['ES', ['Barcelona', 'Valencia']],
  ['NL', ['Rotterdam', 'Eindhoven']],
  ['PL', ['Poznań', 'Wrocław']],
  ['CN', ['Shenzhen', 'Suzhou']],
  ['JP', ['Osaka', 'Nagoya']],
  ['IN', ['Pune', 'Chennai']],
  ['GB', ['Leeds', 'Bristol']],
  ['CH', ['Basel', 'Zürich']],
  ['SE', ['Gothenburg', 'Malmö']],
  ['MX', ['Monterrey', 'Querétaro']],
  ['BR', ['São Paulo', 'Curitiba']],
];
const STEMS = [
  'Nordwind',
  'Apex',
  'Keller',
  'Lumen',
  'Orbital',
  'Falcon',
  'Vertex',
  'Helios',
  'Kobalt',
  'Meridian',
  'Sierra',
  'Atlas',
  'Borealis',
  'Cascade',
  'Delta',
  'Ember',
  'Fjord',
  'Granite',
  'Harbor',
  'Ionic',
  "O'Brien",
  'Juniper',
  'Krona',
  'Lindqvist',
  'Mistral',
  'Nakamura',
  'Oakridge',
  'Pinnacle',
  'Quarry',
  'Rhein',
  'Sato',
  'Tessera',
  'Umbra',
  'Valdés',
  'Westfield',
  'Yamato',
  'Zenith',
  'Brightline',
  'Corvus',
  'Dunmore',
];
const SUFFIX: Record<Category, string[]> = {
  RAW: ['Metals', 'Steel Works', 'Alloys', 'Polymers'],
  ELEC: ['Electronics', 'Semiconductors', 'Circuits'],
  PACK: ['Packaging', 'Containers', 'Cartons'],
  LOGI: ['Logistics', 'Freight', 'Transport'],
  ITSV: ['IT Services', 'Software', 'Systems'],
  FACL: ['Facility Services', 'Cleaning', 'Security'],
  MRO: ['Industrial Supply', 'Tools', 'Maintenance'],
  CHEM: ['Chemicals', 'Coatings', 'Solvents'],
};
const FORMS = ['GmbH', 'Inc.', 'S.A.', 'Ltd', 'AG', 'B.V.', 'S.p.A.', 'Co.'];
const MATERIALS: Record<Category, Array<[string | null, string, string, number]>> = {
  RAW: [
    ['RM-STEEL-S235', 'Steel sheet S235 2mm', 'KG', 2.4],
    ['RM-ALU-6061', 'Aluminium bar 6061', 'KG', 4.1],
    ['RM-PP-GRAN', 'Polypropylene granulate', 'KG', 1.35],
  ],
  ELEC: [
    ['EL-MCU-32', '32-bit microcontroller', 'PC', 3.85],
    ['EL-CAP-100U', 'Capacitor 100µF', 'PC', 0.125],
    ['EL-PCB-4L', 'PCB 4 layers', 'PC', 11.2],
  ],
  PACK: [
    ['PK-BOX-60', 'Shipping box 60x40x40', 'PC', 1.9],
    ['PK-PAL-EUR', 'EUR pallet', 'PC', 14.5],
    [null, 'Stretch film rolls', 'ROL', 21.0],
  ],
  LOGI: [
    [null, 'Full truck load Hamburg–Munich', 'EA', 1450.0],
    [null, 'Sea freight container 40ft', 'EA', 3900.0],
    [null, 'Express parcel service', 'EA', 38.5],
  ],
  ITSV: [
    [null, 'Software licence subscription', 'EA', 480.0],
    [null, 'Consulting day', 'DAY', 1150.0],
    [null, 'Managed hosting month', 'MON', 2300.0],
  ],
  FACL: [
    [null, 'Office cleaning month', 'MON', 5200.0],
    [null, 'Security guard shift', 'EA', 310.0],
    [null, 'Canteen service week', 'WK', 2750.0],
  ],
  MRO: [
    ['MR-BRG-6204', 'Ball bearing 6204', 'PC', 2.75],
    ['MR-GLV-NIT', 'Nitrile gloves (box)', 'BOX', 6.4],
    ['MR-LUB-5L', 'Machine lubricant 5L', 'PC', 27.9],
  ],
  CHEM: [
    ['CH-IPA-25', 'Isopropanol 25L', 'PC', 64.0],
    ['CH-EPX-2K', 'Epoxy coating 2K', 'KG', 18.6],
    ['CH-NAOH', 'Sodium hydroxide', 'KG', 0.84],
  ],
};
const TERMS = ['NT14', 'NT30', 'NT30', 'NT45', 'NT60', 'NT90', 'ZB01', 'ZB02', 'ZB03'];
const PLANTS_OF: Record<string, string[]> = Object.entries(PLANTS).reduce<Record<string, string[]>>(
  (acc, [plant, p]) => {
    acc[p.companyCode] = [...(acc[p.companyCode] ?? []), plant];
    return acc;
  },
  {},
);

function quarterStart(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  return new Date(Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1))
    .toISOString()
    .slice(0, 10);
}
function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
}

export function generateSeed(anchor: string, seed: number): SeedData {
  const r: Random = seededRandom(seed);
  const suppliers: SupplierRow[] = [];
  const supplierCompanies: SupplierCompanyRow[] = [];
  const names = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const category = CATEGORY_KEYS[i % CATEGORY_KEYS.length]!;
    const [country, cities] = COUNTRIES[r.int(0, COUNTRIES.length - 1)]!;
    let name = '';
    do {
      name = `${r.pick(STEMS)} ${r.pick(SUFFIX[category])} ${r.pick(FORMS)}`;
    } while (names.has(name));
    names.add(name);
    suppliers.push({
      id: String(17_300_001 + i),
      name,
      country,
      city: r.pick(cities),
      category,
      purchasing_blocked: r.next() < 0.05,
      payment_blocked: r.next() < 0.03,
    });
    const codes = r.next() < 0.6 ? ['1010'] : r.next() < 0.5 ? ['1010', '1710'] : ['1010', '1710', '2010'];
    for (const code of codes)
      supplierCompanies.push({
        supplier_id: String(17_300_001 + i),
        company_code: code,
        payment_terms: r.pick(TERMS),
      });
  }
  const terms = new Map(
    supplierCompanies.map((c) => [`${c.supplier_id}/${c.company_code}`, c.payment_terms]),
  );
  const termsOf = (supplierId: string, code: string) => terms.get(`${supplierId}/${code}`)!;
  const codes = new Map<string, string[]>();
  for (const c of supplierCompanies)
    codes.set(c.supplier_id, [...(codes.get(c.supplier_id) ?? []), c.company_code]);
  const codesOf = (supplierId: string) => codes.get(supplierId)!;
  const byId = new Map(suppliers.map((s) => [s.id, s]));

  // Spend is concentrated (a few suppliers get many orders), as in real purchasing.
  const weights = suppliers.map((_, i) => 1 / (1 + i * 0.15) ** 1.1 + r.next() * 0.02);
  const order = suppliers.map((s) => s.id);
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const pickSupplier = (): SupplierRow => {
    let x = r.next() * totalWeight;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x <= 0) return byId.get(order[i]!)!;
    }
    return byId.get(order[order.length - 1]!)!;
  };

  const purchaseOrders: PurchaseOrderRow[] = [];
  const purchaseOrderItems: PurchaseOrderItemRow[] = [];
  const invoices: InvoiceRow[] = [];
  const start = addDays(anchor, -730);
  const poCount = 3000;
  for (let n = 0; n < poCount; n++) {
    const supplier = pickSupplier();
    const code = r.pick(codesOf(supplier.id));
    const currency = COMPANY_CODES[code as keyof typeof COMPANY_CODES];
    const orderDate = addDays(start, Math.floor((n / poCount) * 728) + r.int(0, 1));
    const id = String(4_500_000_001 + n);
    const age = daysBetween(orderDate, anchor);
    const approval = age > 20 ? (r.next() < 0.02 ? '08' : '05') : r.pick(['01', '03', '03', '05', '05']);
    const poTerms = termsOf(supplier.id, code);
    purchaseOrders.push({
      id,
      supplier_id: supplier.id,
      company_code: code,
      purchasing_group:
        supplier.category === 'ITSV' || supplier.category === 'FACL' || supplier.category === 'LOGI'
          ? '003'
          : supplier.category === 'MRO'
            ? '002'
            : '001',
      order_date: orderDate,
      currency,
      approval_code: approval,
      payment_terms: poTerms,
    });
    const itemCount = r.int(1, 4);
    let invoiceNet = new Big(0);
    let lastDelivery = orderDate;
    for (let k = 1; k <= itemCount; k++) {
      const [material, description, unit, basePrice] = r.pick(MATERIALS[supplier.category]);
      const priceUnit = basePrice < 1 ? 100 : 1;
      const price = new Big(basePrice)
        .times(priceUnit)
        .times(0.85 + r.next() * 0.3)
        .toFixed(2);
      const quantity = String(unit === 'KG' || unit === 'PC' ? r.int(10, 800) : r.int(1, 12));
      const deliveryDate = addDays(orderDate, r.int(7, 60));
      if (deliveryDate > lastDelivery) lastDelivery = deliveryDate;
      const due = daysBetween(deliveryDate, anchor);
      const released = approval === '05';
      const received = !released
        ? '0'
        : due > 5
          ? quantity
          : due > -5 && r.next() < 0.5
            ? String(Math.floor(Number(quantity) / 2))
            : '0';
      const invoiced =
        received === quantity && due > 15
          ? quantity
          : received === quantity
            ? r.next() < 0.5
              ? quantity
              : '0'
            : '0';
      purchaseOrderItems.push({
        po_id: id,
        item: String(k * 10).padStart(5, '0'),
        material,
        description,
        quantity,
        unit,
        net_price: price,
        price_unit: String(priceUnit),
        plant: r.pick(PLANTS_OF[code]!),
        delivery_date: deliveryDate,
        received_quantity: received,
        invoiced_quantity: invoiced,
        delivery_completed: received === quantity,
        finally_invoiced: invoiced === quantity && received === quantity,
      });
      if (invoiced !== '0')
        invoiceNet = invoiceNet.plus(lineValue(price, invoiced, String(priceUnit), currency).amount);
    }
    if (invoiceNet.gt(0)) {
      // One to three invoices per order (partial invoicing), together the invoiced value.
      const parts = r.next() < 0.35 ? 1 : r.next() < 0.7 ? 2 : 3;
      let remaining = invoiceNet;
      for (let p = 0; p < parts; p++) {
        const amount =
          p === parts - 1 ? remaining : remaining.times(0.3 + r.next() * 0.3).round(2, Big.roundHalfUp);
        remaining = remaining.minus(amount);
        const documentDate = addDays(lastDelivery, r.int(0, 12) + p * 5);
        if (documentDate > anchor) {
          // Not invoiced yet after all: the items show no invoiced quantity without an invoice.
          if (p === 0) {
            for (const item of purchaseOrderItems.filter((i) => i.po_id === id)) {
              item.invoiced_quantity = '0';
              item.finally_invoiced = false;
            }
          }
          break;
        }
        const netDays = NET_DAYS[poTerms] ?? 30;
        const dueDate = addDays(documentDate, netDays);
        const payDelay = netDays + r.int(-8, 12);
        const paidOn = addDays(documentDate, Math.max(1, payDelay));
        const blocked = r.next() < 0.07;
        const paid = !blocked && paidOn <= anchor;
        invoices.push({
          id: String(5_100_000_001 + invoices.length),
          fiscal_year: documentDate.slice(0, 4),
          supplier_id: supplier.id,
          company_code: code,
          po_id: id,
          document_date: documentDate,
          due_date: dueDate,
          paid_date: paid ? paidOn : null,
          currency,
          gross_amount: amount.toFixed(2),
          payment_terms: poTerms,
          payment_block: blocked ? r.pick(['A', 'R', 'B']) : null,
        });
      }
    }
  }

  // Contracts: the 150 suppliers with the most orders, ends spread from last year to a year ahead,
  // with at least a few ending in each of the coming four quarters.
  const orderCount = new Map<string, number>();
  for (const po of purchaseOrders) orderCount.set(po.supplier_id, (orderCount.get(po.supplier_id) ?? 0) + 1);
  const contracted = [...orderCount.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 150);
  const q0 = quarterStart(anchor);
  const contracts: ContractRow[] = contracted.map(([supplierId], i) => {
    const supplier = byId.get(supplierId)!;
    const code = codesOf(supplierId)[0]!;
    // i % 6: 0-3 → ends in the coming quarters 1-4, 4 → ended in the past year, 5 → ends later.
    const slot = i % 6;
    const quarterFrom =
      slot < 4 ? addMonths(q0, 3 * (slot + 1)) : slot === 4 ? addMonths(q0, -9) : addMonths(q0, 18);
    const validTo = addDays(quarterFrom, r.int(0, 88));
    const validFrom = addMonths(validTo, -12 * r.int(1, 3));
    return {
      id: String(4_600_000_001 + i),
      supplier_id: supplierId,
      company_code: code,
      description: `${CATEGORY_LABEL[supplier.category]} framework agreement ${validFrom.slice(0, 4)}`,
      valid_from: addDays(validFrom, 1),
      valid_to: validTo,
      target_value: new Big(r.int(50, 2000)).times(1000).toFixed(2),
      currency: COMPANY_CODES[code as keyof typeof COMPANY_CODES],
    };
  });
  return { anchor, suppliers, supplierCompanies, purchaseOrders, purchaseOrderItems, invoices, contracts };
}

/** Net days of the seed's keys (the defaults of the payment terms mapping). */
const NET_DAYS: Record<string, number> = {
  NT14: 14,
  NT30: 30,
  NT45: 45,
  NT60: 60,
  NT90: 90,
  ZB01: 45,
  ZB02: 30,
  ZB03: 60,
};
const CATEGORY_LABEL: Record<Category, string> = {
  RAW: 'Raw materials',
  ELEC: 'Electronics',
  PACK: 'Packaging',
  LOGI: 'Logistics',
  ITSV: 'IT services',
  FACL: 'Facility services',
  MRO: 'MRO',
  CHEM: 'Chemicals',
};
