import { type ProblemException, problem } from '@bulwark/core';
import type { FieldViolation } from '../validation-options.interface.js';
import { MAX_VIOLATIONS, type Violation } from './field-checks.js';

const MAX_FIELD_LENGTH = 64;

function shortField(field: string): string {
  return field.length > MAX_FIELD_LENGTH ? `${field.slice(0, MAX_FIELD_LENGTH - 3)}...` : field;
}

/**
 * The `validation-failed` problem (400): each field once, with the rules it broke, in the order
 * found; never the values sent.
 */
export function validationFailed(violations: readonly Violation[]): ProblemException {
  const byField = new Map<string, FieldViolation>();
  for (const { field, rule } of violations.slice(0, MAX_VIOLATIONS)) {
    const name = shortField(field);
    const entry = byField.get(name);
    if (!entry) byField.set(name, { field: name, rules: [rule] });
    else if (!entry.rules.includes(rule)) entry.rules.push(rule);
  }
  const errors = [...byField.values()];
  const fields = errors.map((entry) => entry.field).join(', ');
  const rules = [...new Set(errors.flatMap((entry) => entry.rules))].join(',');
  return problem('validation-failed', {
    reason: `validation_failed:${rules}`,
    detail: `The request has invalid or unknown fields: ${fields}.`,
    extensions: { errors },
  });
}
