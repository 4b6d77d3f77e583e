import { AuthModule } from '@bulwark/auth';
import { AuthzModule } from '@bulwark/authz';
import { HealthModule } from '@bulwark/health';
import { LoggingModule } from '@bulwark/logging';
import { Module, type Type } from '@nestjs/common';
import { AuditStore, auditController } from './audit.controller.js';
import type { AuditConfig } from './config.js';

/**
 * The audit service: a second Bulwark service that the notes service calls over mTLS with an
 * exchanged token. Authentication comes before authorization (global guards run in order).
 */
export function buildAuditModule(config: AuditConfig): Type<unknown> {
  @Module({
    imports: [
      LoggingModule.forRoot({ base: { service: 'audit' } }),
      AuthModule.forRoot({
        issuer: config.issuer,
        audience: config.audience,
        jwksUri: config.jwksUri,
      }),
      AuthzModule.forRoot(),
      HealthModule.forRoot(),
    ],
    controllers: [auditController(config.allowedPeers)],
    providers: [AuditStore],
  })
  class AuditModule {}
  return AuditModule;
}
