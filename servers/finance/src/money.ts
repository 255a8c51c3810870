/**
 * Money as exact decimals. SAP sends amounts as decimal strings ("1234.50"); they stay decimal from the
 * wire to the tool result: big.js does the arithmetic (sums, averages, price × quantity) in base 10, so
 * 0.1 + 0.2 is 0.3 and a sum of 5,000 invoices has no binary drift. We chose big.js over bigint minor
 * units because SAP prices carry more decimals than the currency (unit prices like 0.125 EUR, price
 * units of 1,000) and averages need division with an explicit rounding rule; both are one call here.
 * Amounts of different currencies are never added: totals are per currency (`MoneyTotals`), and a
 * result that ranks across currencies says which currency it ranked in.
 */
import Big from 'big.js';

// Half-up ("commercial") rounding, as SAP rounds amounts; 40 significant decimals for intermediate results.
Big.RM = Big.roundHalfUp;
Big.DP = 40;

/** An amount and its ISO 4217 currency code, the amount as a plain decimal string (never a float). */
export interface Money {
  amount: string;
  currency: string;
}

/** Currencies whose minor unit is not 2 digits (ISO 4217); everything else rounds to cents. */
const MINOR_DIGITS: Record<string, number> = {
  JPY: 0,
  KRW: 0,
  HUF: 2,
  ISK: 0,
  CLP: 0,
  VND: 0,
  KWD: 3,
  BHD: 3,
  OMR: 3,
  JOD: 3,
  TND: 3,
};

export const CURRENCY_CODE = /^[A-Z]{3}$/;
/** A decimal as SAP and our tools write it: optional minus, digits, optional fraction; no exponent, no spaces. */
export const DECIMAL = /^-?\d{1,18}(\.\d{1,9})?$/;

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** Parses a decimal string; refuses floats in exponent form, NaN, empty text and anything else. */
export function decimal(value: string): Big {
  const text = value.trim();
  if (!DECIMAL.test(text))
    throw new MoneyError(`Not a decimal amount: ${JSON.stringify(value.slice(0, 40))}`);
  return new Big(text);
}

/** The amount rounded (half up) to the currency's minor unit, as a fixed-point string. */
export function formatAmount(value: Big, currency: string): string {
  return value.toFixed(minorDigits(currency));
}

export function money(value: Big | string, currency: string): Money {
  if (!CURRENCY_CODE.test(currency))
    throw new MoneyError(`Not an ISO currency code: ${JSON.stringify(currency)}`);
  const big = typeof value === 'string' ? decimal(value) : value;
  return { amount: formatAmount(big, currency), currency };
}

/** price × quantity / priceUnit (SAP's net price is per `priceUnit` units), in the currency's minor unit. */
export function lineValue(price: string, quantity: string, priceUnit: string, currency: string): Money {
  const unit = decimal(priceUnit);
  if (unit.lte(0)) throw new MoneyError('The price unit must be positive');
  return money(decimal(price).times(decimal(quantity)).div(unit), currency);
}

/**
 * Running totals per currency. `add` never converts; `list` returns one entry per currency, largest
 * count first, so a caller that wants "the" total sees whether there is more than one.
 */
export class MoneyTotals {
  private readonly totals = new Map<string, { sum: Big; count: number }>();

  add(item: Money): this {
    const entry = this.totals.get(item.currency) ?? { sum: new Big(0), count: 0 };
    entry.sum = entry.sum.plus(decimal(item.amount));
    entry.count += 1;
    this.totals.set(item.currency, entry);
    return this;
  }

  get currencies(): string[] {
    return [...this.totals.keys()].sort();
  }

  /** Totals by currency (sorted by currency code), each with how many amounts went into it. */
  list(): Array<Money & { count: number }> {
    return this.currencies.map((currency) => {
      const { sum, count } = this.totals.get(currency)!;
      return { ...money(sum, currency), count };
    });
  }

  /** The total in `currency` (zero when none). */
  in(currency: string): Money {
    return money(this.totals.get(currency)?.sum ?? new Big(0), currency);
  }

  /** The total when all amounts share one currency; `undefined` when there were several (or none). */
  single(): Money | undefined {
    return this.totals.size === 1
      ? this.list().map(({ amount, currency }) => ({ amount, currency }))[0]
      : undefined;
  }
}

/** The arithmetic mean of integers (days), to `digits` decimals, as a decimal string; null for no values. */
export function mean(values: readonly number[], digits = 1): string | null {
  if (values.length === 0) return null;
  let sum = new Big(0);
  for (const v of values) sum = sum.plus(v);
  return sum.div(values.length).toFixed(digits);
}

/** Compares two decimal strings (for sorting amounts without floats). */
export function compareAmounts(a: string, b: string): number {
  return decimal(a).cmp(decimal(b));
}
