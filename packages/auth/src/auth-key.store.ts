import {
  type ReadinessCheck,
  ReadinessIndicator,
  type ReadinessResult,
} from '@bulwark/core/lifecycle';
import { setAuthChallenge } from '@bulwark/core/problems';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { AUTH_OPTIONS } from './auth.module-definition.js';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Holds the module's {@link TokenVerifier} and its keys, and reports readiness as `jwks` to
 * `@bulwark/health`: ready once keys have loaded, still ready while a refresh fails, and not
 * ready once the keys are older than `jwksMaxStaleSeconds`. With `allowHttpKeys`, the readiness
 * body shows `httpKeysAllowed: true`. Building it validates `forRootAsync` options, so a bad
 * factory result stops start-up. It records the module's `realm` and DPoP mode in
 * `@bulwark/core` (`setAuthChallenge`), so that a 401 raised by another package (authorization
 * finding no principal) challenges exactly as this module does.
 */
@ReadinessIndicator('jwks')
@Injectable()
export class AuthKeyStore implements ReadinessCheck, OnApplicationBootstrap, OnModuleDestroy {
  /** The verifier the guard uses. */
  readonly verifier: TokenVerifier;

  constructor(@Inject(AUTH_OPTIONS) options: AuthModuleOptions) {
    this.verifier = new TokenVerifier(options);
    const { dpop, realm } = this.verifier;
    setAuthChallenge({ realm, dpopRequired: dpop.mode === 'required', algs: dpop.algs });
  }

  /**
   * Starts loading keys without holding up start-up: readiness says when they are in, and a
   * failure (discovery included) is retried with backoff instead of stopping the process.
   */
  onApplicationBootstrap(): void {
    if (this.verifier.allowsHttpKeys) {
      new Logger('AuthModule').warn(
        'AUTH_ALLOW_HTTP_JWKS=true (allowHttpKeys): JWKS and discovery URLs may use plain http ' +
          'in production. Keep it only where a service mesh encrypts the hop.',
      );
    }
    void this.verifier.warmUp();
  }

  /** Stops the scheduled key refreshes, and forgets the recorded challenge. */
  onModuleDestroy(): void {
    this.verifier.close();
    setAuthChallenge(undefined);
  }

  readiness(): ReadinessResult {
    return this.verifier.readiness();
  }
}
