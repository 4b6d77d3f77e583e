/**
 * The process-wide registry of secret values and the scrubber that removes them from text.
 *
 * @packageDocumentation
 */
export {
  onSecretRegistered,
  registeredSecretValues,
  registerSecretValue,
} from '../process-registry.js';
export { REDACTED, scrubSecrets } from '../secret-scrubber.js';
