// The floor: bare NestJS on the same adapter, serving the routes the bench measures with the
// same bodies as the generated service, and nothing else (no authentication, no validation).
import 'reflect-metadata';
import { Body, Controller, Get, Module, NotFoundException, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { listen, NoteStore, noteView, settings } from './common.js';

const store = new NoteStore();

@Controller('v1/notes')
class NotesController {
  @Post()
  create(@Body() input: { title: string; body: string }) {
    return noteView(store.insert('owner', input.title, input.body));
  }

  @Get()
  list() {
    return store.page(undefined);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    const note = store.get(id);
    if (note === undefined) throw new NotFoundException();
    return noteView(note);
  }
}

@Controller('health')
class HealthController {
  @Get('live')
  live() {
    return { status: 'ok' };
  }
}

@Module({ controllers: [NotesController, HealthController] })
class AppModule {}

const adapter = settings.adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
await listen(await NestFactory.create(AppModule, adapter, { logger: false }));
