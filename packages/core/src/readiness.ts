import { type CustomDecorator, SetMetadata } from '@nestjs/common';

/** The metadata key {@link ReadinessIndicator} sets on a provider class. */
export const READINESS_INDICATOR = 'bulwark:readiness-indicator';

/** The answer of one readiness check. */
export interface ReadinessResult {
  /** Whether this dependency lets the service take traffic. */
  ready: boolean;
  /** Why not, for the server log only; never sent to anonymous callers. */
  detail?: string;
  /**
   * Settings an operator must be able to see from outside, such as a relaxed security rule
   * (`{ httpKeysAllowed: true }`). Shown beside the check's status in the readiness body, so it
   * must never hold hosts, credentials or error text.
   */
  info?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A provider that can say whether the service is ready. Mark it with
 * {@link ReadinessIndicator}; `@bulwark/health` finds every such provider in the app through
 * Nest's discovery, so packages contribute checks without importing the health package.
 */
export interface ReadinessCheck {
  /** Answers quickly; `@bulwark/health` applies its own timeout and short cache around it. */
  readiness(): ReadinessResult | Promise<ReadinessResult>;
}

/**
 * Marks a provider implementing {@link ReadinessCheck} as a readiness indicator.
 *
 * @param name a stable name shown in the readiness body, such as `redis`, `jwks`, `shutdown`.
 * @example
 * ```ts
 * @ReadinessIndicator('jwks')
 * @Injectable()
 * class KeyStore implements ReadinessCheck {
 *   readiness() { return { ready: this.loadedOnce }; }
 * }
 * ```
 */
export function ReadinessIndicator(name: string): CustomDecorator<string> {
  return SetMetadata(READINESS_INDICATOR, name);
}
