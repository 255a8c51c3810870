import { ConfigError, parseEnv } from '@mcp-platform/runtime';
import { describe, expect, it } from 'vitest';
import { chooseBackend, financeConfigSchema } from '../src/config.ts';
import { parsePaymentTerms, termsOf } from '../src/payment-terms.ts';

const load = (env: Record<string, string>) => parseEnv(financeConfigSchema, env);

describe('finance configuration', () => {
  it('serves the sandbox on 3003 without an SAP system', () => {
    const config = load({});
    expect(config.PORT).toBe(3003);
    expect(chooseBackend(config)).toEqual({ kind: 'sandbox' });
    expect(config.FINANCE_SECOND_APPROVAL_ABOVE).toEqual({ amount: '25000', currency: 'EUR' });
  });

  it('chooses SAP with basic auth or OAuth client credentials, naming every missing variable', () => {
    expect(
      chooseBackend(
        load({
          SAP_BASE_URL: 'https://s4.example.com/',
          SAP_USERNAME: 'U',
          SAP_PASSWORD: 'P',
          SAP_CLIENT: '100',
        }),
      ),
    ).toMatchObject({
      kind: 'sap',
      baseUrl: 'https://s4.example.com',
      client: '100',
      auth: { kind: 'basic', username: 'U' },
    });
    expect(
      chooseBackend(
        load({
          SAP_BASE_URL: 'https://s4.example.com',
          SAP_OAUTH_CLIENT_ID: 'id',
          SAP_OAUTH_CLIENT_SECRET: 's',
          SAP_OAUTH_TOKEN_URL: 'https://s4.example.com/token',
        }),
      ),
    ).toMatchObject({ kind: 'sap', auth: { kind: 'oauth', clientId: 'id' } });
    try {
      chooseBackend(load({ FINANCE_BACKEND: 'sap' }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('SAP_BASE_URL');
      expect((error as Error).message).toContain('SAP_USERNAME');
    }
  });

  it('reads the payment terms mapping and the threshold, refusing malformed entries', () => {
    const config = load({
      FINANCE_PAYMENT_TERMS: 'Z030=30,10@2.5;NT30=35',
      FINANCE_SECOND_APPROVAL_ABOVE: 'none',
    });
    expect(termsOf(config.FINANCE_PAYMENT_TERMS, 'Z030')).toEqual({
      key: 'Z030',
      netDays: 30,
      cashDiscounts: [{ days: 10, percent: '2.5' }],
    });
    expect(termsOf(config.FINANCE_PAYMENT_TERMS, 'NT30')?.netDays).toBe(35);
    expect(termsOf(config.FINANCE_PAYMENT_TERMS, 'ZB01')?.netDays).toBe(45);
    expect(termsOf(config.FINANCE_PAYMENT_TERMS, 'XX99')).toEqual({
      key: 'XX99',
      netDays: null,
      cashDiscounts: [],
    });
    expect(config.FINANCE_SECOND_APPROVAL_ABOVE).toBeUndefined();
    expect(() => parsePaymentTerms('NT30=thirty')).toThrow();
    expect(() => load({ FINANCE_SECOND_APPROVAL_ABOVE: '25,000 EUR' })).toThrow(ConfigError);
  });
});
