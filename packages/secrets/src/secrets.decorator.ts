import { Inject } from '@nestjs/common';
import { SECRETS_OPTIONS } from './secrets.module-definition.js';

/**
 * Injects the options given to `SecretsModule.forRoot()` / `forRootAsync()`.
 *
 * @example
 * ```ts
 * constructor(@InjectSecretsOptions() options: SecretsOptions) {}
 * ```
 */
export const InjectSecretsOptions = (): ParameterDecorator => Inject(SECRETS_OPTIONS);
