import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import amqp, { type ChannelModel } from 'amqplib';
import { exportJWK, generateKeyPair } from 'jose';
import { inject } from 'vitest';
import { MessagingModule } from '../../src/messaging.module.js';
import { MessagingService } from '../../src/messaging.service.js';
import type {
  MessagingLogEntry,
  MessagingModuleOptions,
} from '../../src/messaging-options.interface.js';

export const broker = inject('broker');
export const brokerUrl = () => `amqps://127.0.0.1:${broker.port}`;
export type Identity = keyof typeof broker.identities;

/** An Ed25519 signing key as a private JWK file and its public JWKS file. */
export interface KeyFiles {
  privateFile: string;
  jwksFile: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  kid: string;
}

let keySerial = 0;

export async function makeKeys(dir: string, name: string): Promise<KeyFiles> {
  keySerial += 1;
  const kid = `${name}-${keySerial}`;
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
  const privateFile = join(dir, `${kid}.jwk.json`);
  const jwksFile = join(dir, `${kid}.jwks.json`);
  writeFileSync(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid }));
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' }] }),
  );
  return { privateFile, jwksFile, privateKey, kid };
}

/** Options connecting as `identity` over mTLS with EXTERNAL. */
export function tlsOptions(identity: Identity): MessagingModuleOptions {
  const { certFile, keyFile } = broker.identities[identity];
  return { url: brokerUrl(), caFile: broker.caFile, certFile, keyFile, env: {} };
}

/** A Nest application context with the messaging module and the given providers, started. */
export async function startApp(
  options: MessagingModuleOptions,
  metadata: ModuleMetadata = {},
  logs: MessagingLogEntry[] = [],
): Promise<{ moduleRef: TestingModule; messaging: MessagingService; logs: MessagingLogEntry[] }> {
  const moduleRef = await Test.createTestingModule({
    ...metadata,
    imports: [
      MessagingModule.forRoot({ log: (entry) => logs.push(entry), ...options }),
      ...(metadata.imports ?? []),
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, messaging: moduleRef.get(MessagingService), logs };
}

/** A raw amqplib connection as `identity`, for what the module itself would never do. */
export function rawConnection(identity: Identity, vhost = ''): Promise<ChannelModel> {
  const { certFile, keyFile } = broker.identities[identity];
  return amqp.connect(`${brokerUrl()}${vhost}`, {
    ca: readFileSync(broker.caFile),
    cert: readFileSync(certFile),
    key: readFileSync(keyFile),
    credentials: amqp.credentials.external(),
  });
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** How many messages wait in `queue`, read with the admin identity. */
export async function queueDepth(queue: string): Promise<number> {
  const connection = await rawConnection('admin');
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount;
  } finally {
    await connection.close();
  }
}

/** Runs `rabbitmqctl` against the test node, as an operator would. */
export function rabbitmqctl(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      join(process.env.RABBITMQ_BIN_DIR ?? '/usr/lib/rabbitmq/bin', 'rabbitmqctl'),
      ['-n', broker.nodename, ...args],
      { env: { ...process.env, ...broker.ctlEnv }, timeout: 120_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || error.message}`))
          : resolve(stdout),
    );
  });
}
