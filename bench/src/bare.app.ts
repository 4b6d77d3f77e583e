// The floor: bare NestJS on the same adapter, the same route and body, nothing else.
import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { itemFor, listen, settings } from './common.js';

@Controller('v1/items')
class ItemsController {
  @Get(':id')
  get(@Param('id') id: string) {
    return itemFor(id, 'owner');
  }
}

@Module({ controllers: [ItemsController] })
class AppModule {}

const adapter = settings.adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
await listen(await NestFactory.create(AppModule, adapter, { logger: false }));
