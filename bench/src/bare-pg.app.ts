// The floor of the database-backed routes: bare NestJS on the same adapter, running the same
// queries as the generated `--db postgres` service's notes repository (the owner scope in the
// WHERE clause, keyset pages, INSERT … RETURNING) on the same PostgreSQL database, with a
// node-postgres pool of the same size and the same TLS, and nothing else (no authentication, no
// validation, no query builder, no serialization views).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Body,
  Controller,
  Get,
  Module,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import pg from 'pg';
import { listen, settings } from './common.js';

/** The owner every bench token names (`sub`), so both apps read the same rows. */
const OWNER = process.env.BENCH_OWNER ?? 'bench-user';
const pool = new pg.Pool({
  connectionString: process.env.BENCH_DATABASE_URL,
  // The generated service's defaults (@bulwark/database): 10 connections, verified TLS.
  max: 10,
  ssl: process.env.BENCH_DATABASE_CA_FILE
    ? { rejectUnauthorized: true, ca: readFileSync(process.env.BENCH_DATABASE_CA_FILE, 'utf8') }
    : false,
});

interface Row {
  id: string;
  title: string;
  body: string;
  created_at: Date;
  updated_at: Date;
}
const COLUMNS = 'id, owner_id, title, body, created_at, updated_at';
const view = (row: Row) => ({
  id: row.id,
  title: row.title,
  body: row.body,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

@Controller('v1/notes')
class NotesController {
  @Post()
  async create(@Body() input: { title: string; body: string }) {
    const now = new Date();
    const { rows } = await pool.query<Row>(
      `INSERT INTO notes (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [randomUUID(), OWNER, input.title, input.body, now, now],
    );
    return view(rows[0] as Row);
  }

  @Get()
  async list(@Query('limit') limitText?: string, @Query('after') after?: string) {
    const limit = Math.min(Math.max(Number(limitText ?? 20) || 20, 1), 100);
    const { rows } =
      after === undefined
        ? await pool.query<Row>(
            `SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 ORDER BY id ASC LIMIT $2`,
            [OWNER, limit],
          )
        : await pool.query<Row>(
            `SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3`,
            [OWNER, after, limit],
          );
    const items = rows.map(view);
    return { items, limit, next: items.length === limit ? (items.at(-1)?.id ?? null) : null };
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    const { rows } = await pool.query<Row>(
      `SELECT ${COLUMNS} FROM notes WHERE owner_id = $1 AND id = $2`,
      [OWNER, id],
    );
    if (rows[0] === undefined) throw new NotFoundException();
    return view(rows[0]);
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
const app = await NestFactory.create(AppModule, adapter, { logger: false });
await listen(app);
