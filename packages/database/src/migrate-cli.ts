#!/usr/bin/env node
import { BulwarkError } from '@bulwark/core';
import { describe } from './internal/rotating-pool.js';
import { migrate } from './migrations.js';

// bulwark-migrate [directory]: applies the pending migrations of `directory` (default
// `migrations`) to the database the environment names, as the migration role.
const directory = process.argv[2] ?? 'migrations';
try {
  await migrate({ directory, log: (line) => console.log(`bulwark-migrate: ${line}`) });
} catch (error) {
  console.error(
    `bulwark-migrate: ${error instanceof BulwarkError ? error.message : describe(error)}`,
  );
  process.exitCode = 1;
}
