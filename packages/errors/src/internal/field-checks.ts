import type { ValidationError } from 'class-validator';

/** One broken rule of one field, before the problem groups them by field. */
export interface Violation {
  readonly field: string;
  readonly rule: string;
}

/** At most this many violations are collected and sent. */
export const MAX_VIOLATIONS = 20;

const SAFE_NAME = /^[\w.$-]{1,64}$/;

/** Field names come from the client: echo only plain ones. */
export function safeName(name: string): string {
  return SAFE_NAME.test(name) ? name : '(invalid name)';
}

/** `[0]` for an array element, `.name` for a property, without a leading dot at the root. */
function fieldPath(path: string, key: string, inArray: boolean): string {
  if (inArray) return `${path}[${/^\d{1,10}$/.test(key) ? key : '(invalid index)'}]`;
  const name = safeName(key);
  return path ? `${path}.${name}` : name;
}

/**
 * `__proto__` anywhere, and `prototype` under `constructor`, as JSON.parse makes them own keys;
 * in a body, also the protected fields, at any depth: in an element of an array, in a nested
 * object, or inside a body typed `Object`.
 */
export function findForbiddenKeys(
  root: unknown,
  rootPath: string,
  maxDepth: number,
  protectedFields: ReadonlySet<string>,
): Violation[] {
  const found: Violation[] = [];
  const walk = (value: unknown, path: string, depth: number, parentKey: string | undefined) => {
    if (typeof value !== 'object' || value === null) return;
    if (depth > maxDepth) {
      found.push({ field: path || '(root)', rule: 'too_deep' });
      return;
    }
    const inArray = Array.isArray(value);
    for (const key of Object.keys(value)) {
      const field = fieldPath(path, key, inArray);
      if (key === '__proto__' || (key === 'prototype' && parentKey === 'constructor')) {
        found.push({ field, rule: 'forbidden_key' });
      } else if (!inArray && protectedFields.has(key)) {
        found.push({ field, rule: 'protected' });
      } else {
        walk((value as Record<string, unknown>)[key], field, depth + 1, key);
      }
      if (found.length >= MAX_VIOLATIONS) return;
    }
  };
  walk(root, rootPath, 0, undefined);
  return found;
}

/** class-validator's errors as violations, named from `prefix`. */
export function flatten(
  errors: readonly ValidationError[],
  prefix: string,
  inArray: boolean,
): Violation[] {
  const result: Violation[] = [];
  for (const error of errors) {
    // class-validator's `unknownValue` error (a DTO class with no rules) names no property.
    const field =
      error.property === undefined
        ? prefix || '(root)'
        : fieldPath(prefix, error.property, inArray);
    for (const constraint of Object.keys(error.constraints ?? {})) {
      result.push({ field, rule: constraint === 'whitelistValidation' ? 'unknown' : constraint });
    }
    // The children of an array property (`@ValidateNested({ each: true })`) are its indices.
    if (error.children?.length) {
      result.push(...flatten(error.children, field, Array.isArray(error.value)));
    }
  }
  return result;
}
