import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Type, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  buildRouteInventory,
  formatRouteInventory,
  formatRouteInventoryJson,
} from '../route-inventory.js';

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

const USAGE = `Usage: bulwark-routes --module <file> [--export <name>] [--prefix <path>]
                      [--uri-versioning [--default-version <v>]] [--json]

Prints every route of a NestJS application with its authentication, scopes, roles, policy and
rate limit. The application is created without listening.

  --module <file>   the compiled module file, such as ./dist/app.module.js (required)
  --export <name>   the exported module class (default: AppModule, else the default export)
  --prefix <path>   the global prefix set in main.ts with app.setGlobalPrefix()
  --uri-versioning  main.ts calls app.enableVersioning({ type: VersioningType.URI })
  --default-version <v>
                    ... with this defaultVersion (such as 1)
  --json            print JSON instead of a table

Exit codes: 0 all routes declared, 1 undeclared routes or a load failure, 2 usage error.
`;

/** Runs `bulwark-routes`; returns the exit code. */
export async function runRoutesCli(argv: readonly string[], io: CliIo): Promise<number> {
  let values: {
    module?: string;
    export?: string;
    prefix?: string;
    json?: boolean;
    help?: boolean;
    'uri-versioning'?: boolean;
    'default-version'?: string;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        module: { type: 'string' },
        export: { type: 'string' },
        prefix: { type: 'string' },
        'uri-versioning': { type: 'boolean', default: false },
        'default-version': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`bulwark-routes: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (!values.module) {
    io.err(`bulwark-routes: --module is required\n\n${USAGE}`);
    return 2;
  }
  if (values['default-version'] !== undefined && !values['uri-versioning']) {
    io.err(`bulwark-routes: --default-version needs --uri-versioning\n\n${USAGE}`);
    return 2;
  }
  const file = resolve(io.cwd, values.module);
  let moduleClass: unknown;
  try {
    const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    moduleClass = values.export ? loaded[values.export] : (loaded.AppModule ?? loaded.default);
  } catch (error) {
    io.err(`bulwark-routes: cannot load --module ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  if (typeof moduleClass !== 'function') {
    io.err(
      `bulwark-routes: ${file} has no export ${values.export ?? 'AppModule (or default)'}; set --export\n`,
    );
    return 1;
  }
  let context: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | undefined;
  try {
    context = await NestFactory.createApplicationContext(moduleClass as Type<unknown>, {
      logger: false,
      abortOnError: false,
    });
    const entries = buildRouteInventory(context, {
      ...(values.prefix ? { prefix: values.prefix } : {}),
      ...(values['uri-versioning']
        ? {
            versioning: {
              type: VersioningType.URI,
              ...(values['default-version'] ? { defaultVersion: values['default-version'] } : {}),
            },
          }
        : {}),
    });
    io.out(values.json ? formatRouteInventoryJson(entries) : formatRouteInventory(entries));
    const undeclared = entries.filter((entry) => !entry.declared);
    if (undeclared.length > 0) {
      io.err(
        `bulwark-routes: ${undeclared.length} route(s) declare neither @Public() nor an authorization requirement: ${undeclared.map((entry) => `${entry.method} ${entry.path}`).join(', ')}\n`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    io.err(`bulwark-routes: cannot create the application: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await context?.close();
  }
}
