/** The one wording of schema errors, as a table of bad values and their exact sentences. */
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { describeSchemaErrors, findSchemaProblems, formatPath } from './schema-errors.js';

const Schema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    state: Type.Union([Type.Literal('ok'), Type.Literal('alarm')]),
    items: Type.Array(
      Type.Object(
        { ms: Type.Number({ minimum: 0, maximum: 1000 }), tag: Type.Optional(Type.String()) },
        {
          additionalProperties: false,
        },
      ),
    ),
  },
  { additionalProperties: false },
);
const check = Compile(Schema);
const describeValue = (value: unknown) => describeSchemaErrors(Schema, value, check.Errors(value), 'body');

describe('describeSchemaErrors', () => {
  it.each<[string, unknown, string]>([
    ['a missing key', { state: 'ok', items: [] }, 'body.name is missing: expected a string of at least 1 characters'],
    [
      'an unknown key',
      { name: 'x', state: 'ok', items: [], colour: 1 },
      'body: unknown field "colour" (allowed: name, state, items)',
    ],
    [
      'a value out of range, deep in a list',
      { name: 'x', state: 'ok', items: [{ ms: 1 }, { ms: -1 }] },
      'body.items[1].ms: expected a number from 0 to 1000 (got -1)',
    ],
    // A failing union is reported once per branch by TypeBox; it is one problem.
    ['a union', { name: 'x', state: 'done', items: [] }, 'body.state: expected one of ok, alarm (got "done")'],
    ['not an object at all', [], 'body: expected an object with keys name, state, items (got a list of 0)'],
    [
      'several problems: unknown keys first, at most three',
      { state: 1, x: 1 },
      'body: unknown field "x" (allowed: name, state, items); ' +
        'body.name is missing: expected a string of at least 1 characters; ' +
        'body.items is missing: expected a list of an object with keys ms, tag',
    ],
  ])('%s', (_name, value, sentence) => {
    expect(check.Check(value)).toBe(false);
    expect(describeValue(value)).toBe(sentence);
  });

  it('previews long text and never prints a whole object', () => {
    const long = 'y'.repeat(100);
    expect(describeValue({ name: 'x', state: long, items: [] })).toBe(
      `body.state: expected one of ok, alarm (got "${'y'.repeat(56)}...)`,
    );
    expect(describeValue({ name: { secret: 'abc' }, state: 'ok', items: [] })).toBe(
      'body.name: expected a string of at least 1 characters (got an object)',
    );
  });

  it('gives the problems as data with JSON pointers (escaped keys too)', () => {
    const Keys = Type.Object({ 'a/b': Type.Integer() }, { additionalProperties: false });
    const value = { 'a/b': 'x', 'c~d': 1 };
    expect(findSchemaProblems(Keys, Compile(Keys).Errors(value))).toEqual([
      { kind: 'unknown', pointer: '/c~0d', allowed: ['a/b'] },
      { kind: 'invalid', pointer: '/a~1b', expected: 'an integer' },
    ]);
    expect(formatPath('query', '/a~1b/0')).toBe('query.a/b[0]');
  });
});
