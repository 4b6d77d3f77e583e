import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OpaDecisionPoint } from './decision-point.js';

const OPA_TOKEN = 'opa-bearer-9d1f2c7e';

// Regression: the decision point printed its request headers, OPA's bearer token included, with
// console.log, util.inspect, a test runner's diff or JSON.stringify.
describe('OpaDecisionPoint prints and serializes without its header values', () => {
  const opa = new OpaDecisionPoint({
    url: 'http://127.0.0.1:8181',
    path: 'bulwark/notes/allow',
    timeoutMs: 200,
    headers: { authorization: `Bearer ${OPA_TOKEN}` },
  });

  it.each([
    ['inspect', () => inspect(opa)],
    ['inspect, deep and hidden', () => inspect(opa, { depth: Infinity, showHidden: true })],
    ['inspect, nested', () => inspect({ nested: [opa] }, { depth: Infinity })],
    ['format %o', () => format('%o', opa)],
    ['JSON.stringify', () => JSON.stringify({ nested: [opa] })],
  ])('%s', (_how, render) => {
    expect(render()).not.toContain(OPA_TOKEN);
  });

  it('shows the endpoint, the timeout and the header names', () => {
    expect(JSON.parse(JSON.stringify(opa))).toEqual({
      type: 'OpaDecisionPoint',
      endpoint: 'http://127.0.0.1:8181/v1/data/bulwark/notes/allow',
      timeoutMs: 200,
      headers: ['authorization', 'content-type'],
    });
    expect(inspect(opa)).toMatch(/^OpaDecisionPoint \{/);
  });
});
