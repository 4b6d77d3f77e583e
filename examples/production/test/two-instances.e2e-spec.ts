import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, hasRedis, type RedisServer, startRedis } from '@bulwark/test-harness';
import { createTestIssuer, type TestIssuer } from '@bulwark/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpReceiver, startOtlpReceiver } from './otlp-receiver.js';
import { mountSecrets, protectRedis, serviceEnv } from './support.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Instance {
  readonly url: string;
  readonly output: string[];
  readonly child: ChildProcess;
}

async function waitReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`instance exited ${child.exitCode}:\n${output.join('')}`);
    const status = await fetch(`${url}/health/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`instance never became ready:\n${output.join('')}`);
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, ['--import', '@bulwark/tracing/register', 'dist/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk) => output.push(String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, output);
  return { url, output, child };
}

async function stopInstance(instance: Instance | undefined): Promise<void> {
  if (!instance || instance.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => instance.child.kill('SIGKILL'), 10_000);
    instance.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    instance.child.kill('SIGTERM');
  });
}

describe.skipIf(!hasRedis())('two production instances sharing Redis, tracing to OTLP', () => {
  let redis: RedisServer;
  let issuer: TestIssuer;
  let receiver: OtlpReceiver;
  let a: Instance | undefined;
  let b: Instance | undefined;

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/main.js'))) {
      spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
        { cwd: root },
      );
    }
    [redis, issuer, receiver] = await Promise.all([
      startRedis(),
      createTestIssuer(),
      startOtlpReceiver(),
    ]);
    const redisUrl = await protectRedis(redis.port, 'two-instances-password');
    const env = serviceEnv(issuer, mountSecrets(redisUrl), {
      RATE_LIMIT_MAX: '10',
      RATE_LIMIT_REPLICAS: '2',
      LOG_LEVEL: 'info',
      OTEL_SERVICE_NAME: 'notes-example',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  });
  afterAll(async () => {
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await Promise.all([receiver?.close(), issuer?.close(), redis?.stop()]);
  });

  it('admits exactly the limit across both instances for one principal', async () => {
    const token = issuer.mint({ claims: { sub: 'carol', scope: 'notes:read' } });
    const urls = [a?.url, b?.url];
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${urls[i % 2]}/v1/notes`, { headers: { authorization: `Bearer ${token}` } }).then(
          (r) => r.status,
        ),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
  });

  it('exports route-named spans to the OTLP endpoint, continuing the caller trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const token = issuer.mint({ claims: { sub: 'dave', scope: 'notes:read' } });
    const response = await fetch(`${b?.url}/v1/notes`, {
      headers: {
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    expect(response.status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (!receiver.spans.some((s) => s.traceId === traceId) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const span = receiver.spans.find((s) => s.traceId === traceId);
    expect(span).toMatchObject({ service: 'notes-example', name: 'GET /v1/notes' });
    expect(span?.attributes['http.route']).toBe('/v1/notes');
  });

  it('writes JSON access lines with the trace id and never the token or the Redis password', async () => {
    const lines = (b?.output ?? [])
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const access = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.trace_id === '4bf92f3577b34da6a3ce929d0e0e4736');
    expect(access).toBeDefined();
    const all = [...(a?.output ?? []), ...(b?.output ?? [])].join('');
    expect(all).not.toContain('two-instances-password');
    expect(all).not.toMatch(/Bearer ey/);
  });

  it('keeps metrics off the public port', async () => {
    expect((await fetch(`${a?.url}/metrics`)).status).toBe(404);
  });
});
