/**
 * Payment terms keys (`NT30`, `ZB01`, …) → net days and cash discounts. None of the five released
 * OData services exposes the terms' definitions (table T052 is customizing, read by no released API),
 * so the server reads them from this documented mapping; FINANCE_PAYMENT_TERMS replaces or extends the
 * defaults with a system's own keys. Format: `KEY=net[,days@percent...]` entries separated by `;`,
 * e.g. `NT30=30;ZB01=45,14@3,30@2` (ZB01: 3% within 14 days, 2% within 30, net 45).
 */
import type { PaymentTerms } from './model.ts';
import { SAP } from './model.ts';

export type TermsMap = ReadonlyMap<string, Omit<PaymentTerms, 'key'>>;

/** SAP's shipped example keys as delivered in a standard system; the company's own go in the variable. */
export const DEFAULT_PAYMENT_TERMS =
  '0001=0;NT00=0;NT10=10;NT14=14;NT30=30;NT45=45;NT60=60;NT90=90;ZB01=45,14@3,30@2;ZB02=30,10@2;ZB03=60,14@2';

export function parsePaymentTerms(text: string): TermsMap {
  const map = new Map<string, Omit<PaymentTerms, 'key'>>();
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = /^([0-9A-Z]{1,4})=(\d{1,3})((?:,\d{1,3}@\d{1,2}(?:\.\d{1,3})?)*)$/.exec(entry);
    if (!match || !SAP.paymentTerms.test(match[1]!)) {
      throw new Error(`payment terms entry "${entry}" is not of the form KEY=netDays[,days@percent...]`);
    }
    const cashDiscounts = match[3]!
      .split(',')
      .filter(Boolean)
      .map((d) => {
        const [days, percent] = d.split('@') as [string, string];
        return { days: Number(days), percent };
      });
    map.set(match[1]!, { netDays: Number(match[2]), cashDiscounts });
  }
  return map;
}

/** The terms of `key`; unknown keys keep their key with `netDays: null` (never a guess). */
export function termsOf(map: TermsMap, key: string | null | undefined): PaymentTerms | null {
  if (!key) return null;
  const found = map.get(key);
  return found ? { key, ...found } : { key, netDays: null, cashDiscounts: [] };
}
