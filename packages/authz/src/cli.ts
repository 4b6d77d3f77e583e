#!/usr/bin/env node
import 'reflect-metadata';
import { runRoutesCli } from './internal/routes-cli.js';

const code = await runRoutesCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
process.exitCode = code;
