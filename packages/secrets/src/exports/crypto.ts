/**
 * Sealed values and encryption: `crypto_box_seal` with a key ring (newest key seals, any listed
 * key unseals) and XChaCha20-Poly1305 AEAD with associated data, with their key generators.
 *
 * @packageDocumentation
 */
export { AeadCipher, generateAeadKey } from '../aead-cipher.js';
export type { GeneratedSealKey } from '../key-ring.js';
export { generateSealKey, KeyRing } from '../key-ring.js';
