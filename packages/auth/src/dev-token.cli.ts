#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { mintDevToken } from './dev-issuer.js';

const USAGE = `Usage: bulwark-dev-token [--sub <id>] [--scope "<a b>"]... [--role <r>]... [--ttl <seconds>]
                         [--audience <aud>] [--issuer <iss>] [--dir <folder>]
Prints a development access token signed by the embedded dev issuer.`;

function usage(message: string): never {
  process.stderr.write(`bulwark-dev-token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        scope: { type: 'string', multiple: true },
        role: { type: 'string', multiple: true },
        ttl: { type: 'string' },
        audience: { type: 'string' },
        issuer: { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usage((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const ttl = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl <= 0)) {
    usage('--ttl must be a positive whole number of seconds');
  }
  const split = (list: unknown) =>
    ((list as string[] | undefined) ?? [])
      .flatMap((entry) => entry.split(/[\s,]+/))
      .filter(Boolean);
  const token = await mintDevToken({
    ...(typeof values.sub === 'string' ? { sub: values.sub } : {}),
    scopes: split(values.scope),
    roles: split(values.role),
    ...(ttl === undefined ? {} : { ttl }),
    ...(typeof values.audience === 'string' ? { audience: values.audience } : {}),
    ...(typeof values.issuer === 'string' ? { issuer: values.issuer } : {}),
    ...(typeof values.dir === 'string' ? { directory: values.dir } : {}),
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bulwark-dev-token: ${(error as Error).message}\n`);
  process.exit(1);
});
