/**
 * Generated secrets: passwords and API keys from the CSPRNG, with the entropy you choose.
 *
 * @packageDocumentation
 */
export type { GenerateApiKeyOptions, GeneratePasswordOptions } from '../secret-generation.js';
export { generateApiKey, generatePassword } from '../secret-generation.js';
