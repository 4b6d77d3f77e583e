import { envInt, envString } from '@bulwark/core/env';
import { loadConfig } from './config.js';
import { createProductionApp } from './create-app.js';

const port = envInt('PORT', 3000, { min: 0, max: 65535 });
const host = envString('HOST', { default: '0.0.0.0' }) as string;
const config = await loadConfig();
const app = await createProductionApp(config);
await app.listen(port, host);
const address = app.getHttpServer().address() as { port: number };
process.stdout.write(
  `${JSON.stringify({ level: 'info', msg: 'listening', host, port: address.port, time: new Date().toISOString() })}\n`,
);
