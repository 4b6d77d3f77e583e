import { createHmac } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS, bootstrap, type RunningApp } from '@bulwark/test-harness';
import { Controller, Get, Module, Query, type Type } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsModule } from '../src/secrets.module.js';
import { SecretsService } from '../src/secrets.service.js';

@Controller()
class SignController {
  constructor(private readonly secrets: SecretsService) {}

  @Get('sign')
  sign(@Query('message') message: string) {
    // Reads the secret per request, so a rotation applies without a restart.
    return {
      mac: createHmac('sha256', this.secrets.get('SIGNING_KEY')).update(message).digest('hex'),
    };
  }
}

function appModule(directory: string): Type<unknown> {
  @Module({
    imports: [
      SecretsModule.forRoot({
        required: ['SIGNING_KEY'],
        directories: [directory],
        env: {},
        watchDebounceMs: 20,
      }),
    ],
    controllers: [SignController],
  })
  class AppModule {}
  return AppModule;
}

const mac = (key: string, message: string) =>
  createHmac('sha256', key).update(message).digest('hex');

describe.each(ADAPTERS)('SecretsModule on %s', (adapter) => {
  let dir: string;
  let running: RunningApp;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `bulwark-secrets-e2e-${adapter}-`));
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'signing-key'), 'e2e-signing-key-v1');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'signing-key'), join(dir, 'signing-key'));
    running = await bootstrap(appModule(dir), { adapter });
  });

  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves with the mounted key, and with the new key after a ..data swap, without a restart', async () => {
    const before = await fetch(`${running.url}/sign?message=hello`);
    expect(before.status).toBe(200);
    expect(await before.json()).toEqual({ mac: mac('e2e-signing-key-v1', 'hello') });

    const secrets = running.app.get(SecretsService);
    const rotated = new Promise<string>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error('no rotation within 5 s')), 5_000);
      const stop = secrets.onRotate('SIGNING_KEY', ({ value }) => {
        clearTimeout(timeout);
        stop();
        resolve(value);
      });
    });
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'signing-key'), 'e2e-signing-key-v2');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    expect(await rotated).toBe('e2e-signing-key-v2');

    const after = await fetch(`${running.url}/sign?message=hello`);
    expect(await after.json()).toEqual({ mac: mac('e2e-signing-key-v2', 'hello') });
  });
});
