import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

// The app's existing bootstrap, unchanged: Express, its own validation pipe.
const app = await NestFactory.create(
  AppModule.register({
    issuer: process.env.AUTH_ISSUER ?? '',
    audience: process.env.AUTH_AUDIENCE ?? '',
    jwksUri: process.env.AUTH_JWKS_URL ?? '',
  }),
);
app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
