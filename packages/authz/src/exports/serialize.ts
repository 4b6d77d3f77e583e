/**
 * `serializeWith()`: the projection `@Serialize()` applies to a handler's result, applied to a
 * value outside a handler (a message, a unit test of a service).
 *
 * @packageDocumentation
 */
export { serializeWith } from '../serialize.decorator.js';
