import { describe, expect, it } from 'vitest';
import { compareAmounts, decimal, lineValue, MoneyError, MoneyTotals, mean, money } from '../src/money.ts';

describe('money', () => {
  it('sums without binary drift: 0.1 + 0.2 is 0.30, a thousand 0.01 are 10.00', () => {
    const totals = new MoneyTotals()
      .add({ amount: '0.1', currency: 'EUR' })
      .add({ amount: '0.2', currency: 'EUR' });
    expect(totals.in('EUR')).toEqual({ amount: '0.30', currency: 'EUR' });
    expect(0.1 + 0.2).not.toBe(0.3); // what floats would have given
    const many = new MoneyTotals();
    for (let i = 0; i < 1000; i++) many.add({ amount: '0.01', currency: 'USD' });
    expect(many.single()).toEqual({ amount: '10.00', currency: 'USD' });
  });

  it('keeps currencies apart and says when there is more than one', () => {
    const totals = new MoneyTotals()
      .add({ amount: '100.00', currency: 'EUR' })
      .add({ amount: '50.00', currency: 'USD' })
      .add({ amount: '0.005', currency: 'EUR' });
    expect(totals.single()).toBeUndefined();
    expect(totals.list()).toEqual([
      { amount: '100.01', currency: 'EUR', count: 2 },
      { amount: '50.00', currency: 'USD', count: 1 },
    ]);
  });

  it('rounds half up to the currency minor unit (JPY 0, KWD 3, default 2)', () => {
    expect(money('2.345', 'EUR').amount).toBe('2.35');
    expect(money('1234.5', 'JPY').amount).toBe('1235');
    expect(money('1.0005', 'KWD').amount).toBe('1.001');
  });

  it('values lines as price × quantity / price unit exactly', () => {
    expect(lineValue('12.50', '100', '100', 'EUR')).toEqual({ amount: '12.50', currency: 'EUR' });
    expect(lineValue('0.125', '3', '1', 'EUR').amount).toBe('0.38');
    expect(lineValue('19.99', '3', '1', 'USD').amount).toBe('59.97');
  });

  it('averages integers exactly, to one decimal, and compares decimals as decimals', () => {
    expect(mean([30, 45, 60])).toBe('45.0');
    expect(mean([30, 45])).toBe('37.5');
    expect(mean([])).toBeNull();
    expect(compareAmounts('100.10', '100.09')).toBe(1);
    expect(compareAmounts('9', '10')).toBe(-1);
  });

  it('refuses floats in exponent form, NaN and bad currency codes', () => {
    expect(() => decimal('1e3')).toThrow(MoneyError);
    expect(() => decimal('NaN')).toThrow(MoneyError);
    expect(() => decimal('1,000.00')).toThrow(MoneyError);
    expect(() => money('1.00', 'eur')).toThrow(MoneyError);
  });
});
