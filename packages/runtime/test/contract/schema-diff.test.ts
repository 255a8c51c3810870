import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type ChangeLevel, compareSchemas, type Direction } from '../../src/contract/schema-diff.ts';

type Schema = Record<string, unknown>;
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  ...extra,
});
const str: Schema = { type: 'string' };

/** [what, direction, before, after, expected highest level (or 'none'), a fragment of the message]. */
const TABLE: Array<[string, Direction, unknown, unknown, ChangeLevel | 'none', string]> = [
  ['identical schemas', 'input', obj({ q: str }, ['q']), obj({ q: str }, ['q']), 'none', ''],
  ['key order only', 'input', { type: 'string', maxLength: 5 }, { maxLength: 5, type: 'string' }, 'none', ''],
  [
    'description reworded',
    'input',
    { type: 'string', description: 'a' },
    { type: 'string', description: 'b' },
    'patch',
    'description changed',
  ],
  [
    'title changed',
    'output',
    { type: 'string', title: 'A' },
    { type: 'string', title: 'B' },
    'patch',
    'title changed',
  ],
  [
    'required argument added',
    'input',
    obj({ q: str }, ['q']),
    obj({ q: str, n: str }, ['q', 'n']),
    'major',
    'required argument n added',
  ],
  [
    'optional argument added',
    'input',
    obj({ q: str }, ['q']),
    obj({ q: str, n: str }, ['q']),
    'minor',
    'optional argument n added',
  ],
  [
    'argument removed',
    'input',
    obj({ q: str, n: str }, ['q']),
    obj({ q: str }, ['q']),
    'major',
    'argument n removed',
  ],
  [
    'optional argument made required',
    'input',
    obj({ q: str, n: str }, ['q']),
    obj({ q: str, n: str }, ['q', 'n']),
    'major',
    'n is now required',
  ],
  [
    'required argument made optional',
    'input',
    obj({ q: str }, ['q']),
    obj({ q: str }, []),
    'minor',
    'q is now optional',
  ],
  [
    'argument type narrowed number→integer',
    'input',
    { type: 'number' },
    { type: 'integer' },
    'major',
    'type narrowed',
  ],
  [
    'argument type widened integer→number',
    'input',
    { type: 'integer' },
    { type: 'number' },
    'minor',
    'type widened',
  ],
  [
    'output type narrowed number→integer',
    'output',
    { type: 'number' },
    { type: 'integer' },
    'minor',
    'type narrowed',
  ],
  [
    'argument type widened string→string|number',
    'input',
    { type: 'string' },
    { type: ['string', 'number'] },
    'minor',
    'type widened',
  ],
  [
    'argument type changed string→number',
    'input',
    { type: 'string' },
    { type: 'number' },
    'major',
    'type narrowed',
  ],
  [
    'output field type changed',
    'output',
    obj({ amount: { type: 'number' } }, ['amount']),
    obj({ amount: { type: 'string' } }, ['amount']),
    'major',
    'type widened',
  ],
  [
    'output field removed',
    'output',
    obj({ a: str, b: str }, ['a', 'b']),
    obj({ a: str }, ['a']),
    'major',
    'output field b removed',
  ],
  [
    'output field added',
    'output',
    obj({ a: str }, ['a']),
    obj({ a: str, b: str }, ['a', 'b']),
    'minor',
    'output field b added',
  ],
  [
    'output field became optional',
    'output',
    obj({ a: str }, ['a']),
    obj({ a: str }, []),
    'major',
    'a is now optional',
  ],
  [
    'enum value removed from an argument',
    'input',
    { type: 'string', enum: ['a', 'b'] },
    { type: 'string', enum: ['a'] },
    'major',
    'enum value "b" removed',
  ],
  [
    'enum value added to an argument',
    'input',
    { type: 'string', enum: ['a'] },
    { type: 'string', enum: ['a', 'b'] },
    'minor',
    'enum value "b" added',
  ],
  [
    'enum value added to an output',
    'output',
    { type: 'string', enum: ['a'] },
    { type: 'string', enum: ['a', 'b'] },
    'minor',
    'enum value "b" added',
  ],
  ['const became an enum', 'input', { const: 'a' }, { enum: ['a', 'b'] }, 'minor', 'added'],
  [
    'argument made nullable (type array)',
    'input',
    { type: 'string' },
    { type: ['string', 'null'] },
    'minor',
    'now nullable',
  ],
  [
    'argument no longer nullable (anyOf null)',
    'input',
    { anyOf: [str, { type: 'null' }] },
    str,
    'major',
    'no longer nullable',
  ],
  [
    'output made nullable (nullable: true)',
    'output',
    str,
    { type: 'string', nullable: true },
    'major',
    'now nullable',
  ],
  [
    'nullable spelled three ways is the same',
    'input',
    { type: ['string', 'null'] },
    { anyOf: [str, { type: 'null' }] },
    'none',
    '',
  ],
  [
    'anyOf alternative added to an argument',
    'input',
    { anyOf: [str, { type: 'number' }] },
    { anyOf: [str, { type: 'number' }, { type: 'boolean' }] },
    'minor',
    'alternative(s) added',
  ],
  [
    'anyOf alternative removed from an argument',
    'input',
    { anyOf: [str, { type: 'number' }] },
    { anyOf: [str] },
    'major',
    'alternative(s) removed',
  ],
  [
    'anyOf alternative added to an output',
    'output',
    { anyOf: [str, { type: 'number' }] },
    { anyOf: [str, { type: 'number' }, { type: 'boolean' }] },
    'major',
    'alternative(s) added',
  ],
  [
    'change inside one anyOf alternative',
    'output',
    { anyOf: [obj({ a: str }, ['a']), obj({ code: str }, ['code'])] },
    { anyOf: [obj({ a: str, b: str }, ['a', 'b']), obj({ code: str }, ['code'])] },
    'minor',
    'output field b added',
  ],
  [
    'additionalProperties closed on input',
    'input',
    obj({ q: str }),
    obj({ q: str }, [], { additionalProperties: false }),
    'major',
    'unknown properties now restricted',
  ],
  [
    'additionalProperties opened on input',
    'input',
    obj({ q: str }, [], { additionalProperties: false }),
    obj({ q: str }),
    'minor',
    'unknown properties now allowed',
  ],
  [
    'additionalProperties opened on output',
    'output',
    obj({ q: str }, [], { additionalProperties: false }),
    obj({ q: str }, [], { additionalProperties: {} }),
    'major',
    'unknown properties now allowed',
  ],
  [
    'additionalProperties schema narrowed',
    'input',
    { type: 'object', additionalProperties: { type: 'number' } },
    { type: 'object', additionalProperties: { type: 'integer' } },
    'major',
    'type narrowed',
  ],
  ['default added', 'input', { type: 'number' }, { type: 'number', default: 10 }, 'minor', 'default added'],
  [
    'default changed',
    'input',
    { type: 'number', default: 10 },
    { type: 'number', default: 20 },
    'minor',
    'default 10 → 20',
  ],
  ['format added to an argument', 'input', str, { type: 'string', format: 'date' }, 'major', 'format added'],
  [
    'format removed from an argument',
    'input',
    { type: 'string', format: 'date' },
    str,
    'minor',
    'format "date" → removed',
  ],
  [
    'format changed on an argument',
    'input',
    { type: 'string', format: 'date' },
    { type: 'string', format: 'date-time' },
    'major',
    'format "date" → "date-time"',
  ],
  ['format added to an output', 'output', str, { type: 'string', format: 'email' }, 'minor', 'format added'],
  [
    'maxLength lowered on an argument',
    'input',
    { type: 'string', maxLength: 80 },
    { type: 'string', maxLength: 40 },
    'major',
    'maxLength 80 → 40',
  ],
  [
    'maxLength raised on an argument',
    'input',
    { type: 'string', maxLength: 40 },
    { type: 'string', maxLength: 80 },
    'minor',
    'maxLength 40 → 80',
  ],
  [
    'minimum raised on an argument',
    'input',
    { type: 'integer', minimum: 1 },
    { type: 'integer', minimum: 5 },
    'major',
    'minimum 1 → 5',
  ],
  [
    'maximum raised on an output',
    'output',
    { type: 'integer', maximum: 10 },
    { type: 'integer', maximum: 100 },
    'major',
    'maximum 10 → 100',
  ],
  [
    'pattern added to an argument',
    'input',
    str,
    { type: 'string', pattern: '^[a-z]+$' },
    'major',
    'pattern added',
  ],
  [
    'array item type narrowed',
    'input',
    { type: 'array', items: { type: 'number' } },
    { type: 'array', items: { type: 'integer' } },
    'major',
    '[]: type narrowed',
  ],
  [
    'nested argument removed',
    'input',
    obj({ filter: obj({ a: str, b: str }) }),
    obj({ filter: obj({ a: str }) }),
    'major',
    'filter.b removed',
  ],
  [
    'unknown keyword changed',
    'input',
    { type: 'string', contentEncoding: 'base64' },
    { type: 'string', contentEncoding: 'base32' },
    'major',
    'not classified automatically',
  ],
];

const ORDER = { none: 0, patch: 1, minor: 2, major: 3 } as const;

describe('JSON Schema change classification', () => {
  for (const [what, direction, before, after, level, fragment] of TABLE) {
    it(`${direction}: ${what} → ${level}`, () => {
      const changes = compareSchemas(before, after, direction);
      const highest = changes.reduce<ChangeLevel | 'none'>(
        (max, c) => (ORDER[c.level] > ORDER[max] ? c.level : max),
        'none',
      );
      expect(highest, JSON.stringify(changes)).toBe(level);
      if (fragment !== '') expect(changes.map((c) => c.message).join('\n')).toContain(fragment);
    });
  }

  it('classifies what zod emits: .nullable(), .optional(), .default(), z.iso.date()', () => {
    const schema = (shape: z.ZodRawShape) => z.toJSONSchema(z.object(shape), { io: 'input' });
    const base = schema({ q: z.string(), since: z.string().optional() });
    expect(
      compareSchemas(base, schema({ q: z.string().nullable(), since: z.string().optional() }), 'input').map(
        (c) => c.level,
      ),
    ).toEqual(['minor']);
    expect(
      compareSchemas(base, schema({ q: z.string(), since: z.iso.date().optional() }), 'input').map(
        (c) => c.level,
      ),
    ).toContain('major');
    expect(
      compareSchemas(
        base,
        schema({ q: z.string(), since: z.string().optional(), limit: z.number().default(5) }),
        'input',
      ).map((c) => c.level),
    ).toEqual(['minor']);
    expect(
      compareSchemas(base, schema({ q: z.string(), since: z.string() }), 'input').map((c) => c.level),
    ).toEqual(['major']);
  });
});
