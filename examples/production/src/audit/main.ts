import { envInt, envString } from '@bulwark/core/env';
import { createSecureApp, type HttpAdapterName } from '@bulwark/http';
import { BulwarkLogger } from '@bulwark/logging';
import { buildAuditModule } from './audit.module.js';
import { loadAuditConfig } from './config.js';

// The audit service: mTLS on its listener (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE).
const port = envInt('PORT', 8443, { min: 0, max: 65535 });
const host = envString('HOST', { default: '0.0.0.0' }) as string;
const adapter: HttpAdapterName = process.env.HTTP_ADAPTER === 'express' ? 'express' : 'fastify';
const app = await createSecureApp(buildAuditModule(loadAuditConfig()), { adapter, logger: false });
app.useLogger(app.get(BulwarkLogger));
app.enableShutdownHooks();
await app.listen(port, host);
const address = app.getHttpServer().address() as { port: number };
process.stdout.write(
  `${JSON.stringify({ level: 'info', msg: 'listening', service: 'audit', host, port: address.port, time: new Date().toISOString() })}\n`,
);
