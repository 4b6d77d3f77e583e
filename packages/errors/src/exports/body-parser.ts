/**
 * The body parser on its own: `useSafeBodyParser()` installs the hardened JSON parser that
 * `ErrorsModule` and `applyErrorHandling()` install (limits on size, nesting and array length;
 * prototype keys refused), `resolveBodyParserOptions()` resolves its options (`BODY_LIMIT_BYTES`
 * and the defaults) as they do, and `BodyParserOptions` (also the type of their `body` option)
 * and `ResolvedBodyParserOptions` type them.
 *
 * @packageDocumentation
 */

export { resolveBodyParserOptions, useSafeBodyParser } from '../body-parser.js';
export type {
  BodyParserOptions,
  ResolvedBodyParserOptions,
} from '../body-parser-options.interface.js';
