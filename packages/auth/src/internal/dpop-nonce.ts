import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stateless DPoP server nonces (RFC 9449 §8–9): `<step>.<HMAC-SHA256(key, step)>`, where the
 * step is the current time divided by the step length. Any replica with the same key mints and
 * accepts the same nonces, so no store is shared; a nonce is accepted during its own step and
 * the next one, so a client that just fetched one is not refused at a step boundary.
 */
export class DpopNonces {
  private cachedStep = Number.NaN;
  private cachedNonce = '';

  constructor(
    private readonly key: Uint8Array,
    private readonly stepSeconds: number,
  ) {}

  /** The nonce to hand out now. */
  current(nowSeconds: number): string {
    const step = Math.floor(nowSeconds / this.stepSeconds);
    if (step !== this.cachedStep) {
      this.cachedNonce = this.mint(step);
      this.cachedStep = step;
    }
    return this.cachedNonce;
  }

  /** Whether a proof's `nonce` is one this key minted for the current or the previous step. */
  accepts(nonce: string | undefined, nowSeconds: number): boolean {
    if (nonce === undefined) return false;
    const dot = nonce.indexOf('.');
    const stepText = nonce.slice(0, dot);
    if (dot < 1 || !/^\d{1,15}$/.test(stepText)) return false;
    const step = Number(stepText);
    const now = Math.floor(nowSeconds / this.stepSeconds);
    if (step !== now && step !== now - 1) return false;
    const expected = Buffer.from(this.mint(step));
    const given = Buffer.from(nonce);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private mint(step: number): string {
    const mac = createHmac('sha256', this.key).update(`bulwark-dpop-nonce:${step}`).digest();
    return `${step}.${mac.toString('base64url')}`;
  }
}
