import { type InspectOptions, inspect } from 'node:util';

/** What a redacted object shows in place of its secret material. */
export const REDACTED_SUMMARY = '[REDACTED]';

type Summary = () => Record<string, unknown>;

function inspectSummary(
  name: string,
  summary: Summary,
): (depth: number, options: InspectOptions, format?: typeof inspect) => string {
  return (_depth, options, format = inspect) => `${name} ${format(summary(), options)}`;
}

/**
 * Makes `target` print (`util.inspect`, `console.log`, a test runner's diff) and serialize
 * (`JSON.stringify`, a logger) as `summary()` only. Both are non-enumerable own properties, so
 * spreading and destructuring the object are unchanged.
 */
export function redactObject<T extends object>(target: T, name: string, summary: Summary): T {
  Object.defineProperties(target, {
    [inspect.custom]: { value: inspectSummary(name, summary), enumerable: false },
    toJSON: { value: () => ({ type: name, ...summary() }), enumerable: false },
  });
  return target;
}
