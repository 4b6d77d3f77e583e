import { type ReadinessCheck, ReadinessIndicator, type ReadinessResult } from '@bulwark/core';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AUTH_OPTIONS } from './auth.constants.js';
import type { AuthModuleOptions } from './auth-options.interface.js';
import { TokenVerifier } from './token-verifier.js';

/**
 * Holds the module's {@link TokenVerifier} and its keys, and reports readiness as `jwks` to
 * `@bulwark/health`: ready once keys have loaded, and still ready while a refresh fails.
 * Building it validates `forRootAsync` options, so a bad factory result stops start-up.
 */
@ReadinessIndicator('jwks')
@Injectable()
export class AuthKeyStore implements ReadinessCheck, OnApplicationBootstrap {
  /** The verifier the guard uses. */
  readonly verifier: TokenVerifier;

  constructor(@Inject(AUTH_OPTIONS) options: AuthModuleOptions) {
    this.verifier = new TokenVerifier(options);
  }

  /** Starts loading keys without holding up start-up: readiness says when they are in. */
  onApplicationBootstrap(): void {
    void this.verifier.warmUp();
  }

  readiness(): ReadinessResult {
    return this.verifier.readiness();
  }
}
