import { envInt, envString } from '@bulwark/core/env';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

const port = envInt('PORT', 3000, { min: 0, max: 65535 });
const host = envString('HOST', { default: '127.0.0.1' }) as string;
const app = await NestFactory.create(AppModule, new FastifyAdapter());
app.enableShutdownHooks();
await app.listen(port, host);
console.log(
  `example listening on http://${host}:${port} (try: curl http://${host}:${port}/health/live)`,
);
