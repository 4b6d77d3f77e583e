import { envInt, envString } from '@bulwark/core';
import { createApp } from './app.module.js';

const port = envInt('PORT', 3000, { min: 0, max: 65535 });
const host = envString('HOST', { default: '0.0.0.0' }) as string;

const app = await createApp();
await app.listen(port, host);
process.stdout.write(
  `${JSON.stringify({ level: 'info', msg: 'listening', host, port, time: new Date().toISOString() })}\n`,
);
