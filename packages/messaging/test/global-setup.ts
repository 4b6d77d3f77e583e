import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa } from '@bulwark/testing';
import type { TestProject } from 'vitest/node';
import { hasRabbitMq, type RabbitMq, startRabbitMq } from './support/rabbitmq.js';

/** What the global setup hands to the tests. */
export interface BrokerFixture {
  /** False when the broker is not installed outside CI (the broker tests are skipped, loudly). */
  available: boolean;
  port: number;
  nodename: string;
  /** Environment for `rabbitmqctl` against this node. */
  ctlEnv: Record<string, string>;
  caFile: string;
  /** A CA the broker does not trust, with a client certificate it issued. */
  otherCaFile: string;
  identities: Record<
    'orders' | 'billing' | 'rogue' | 'admin' | 'outsider' | 'foreign' | 'service',
    { spiffeId: string; certFile: string; keyFile: string }
  >;
}

declare module 'vitest' {
  export interface ProvidedContext {
    broker: BrokerFixture;
  }
}

/**
 * Starts one throw-away RabbitMQ node for the whole run (Erlang starts slowly), TLS only with
 * EXTERNAL authentication, with one user per test identity and least-privilege permissions.
 */
export default async function setup(project: TestProject) {
  if (!hasRabbitMq()) {
    project.provide('broker', { available: false } as BrokerFixture);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'bulwark-messaging-'));
  mkdirSync(join(root, 'ca'));
  mkdirSync(join(root, 'other'));
  const ca = createTestCa({ dir: join(root, 'ca'), trustDomain: 'cluster.local' });
  const other = createTestCa({ dir: join(root, 'other'), trustDomain: 'cluster.local' });
  const server = ca.issueServer();
  const client = (namespace: string, account: string, issuer = ca) => {
    const spiffeId = ca.spiffeId(namespace, account);
    const issued = issuer.issueClient({ spiffeId, commonName: account });
    return { spiffeId, certFile: issued.certFile, keyFile: issued.keyFile };
  };
  const identities: BrokerFixture['identities'] = {
    orders: client('orders', 'orders'),
    billing: client('billing', 'billing'),
    rogue: client('rogue', 'rogue'),
    admin: client('test', 'admin'),
    outsider: client('outsider', 'outsider'),
    foreign: client('orders', 'orders', other),
    // The user of the scaffolder's deploy/rabbitmq/definitions.json, imported by a test.
    service: client('service', 'service'),
  };
  const brokerDir = join(root, 'broker');
  mkdirSync(brokerDir);
  let broker: RabbitMq;
  try {
    broker = await startRabbitMq({
      dir: brokerDir,
      caFile: ca.certificateFile,
      certFile: server.certFile,
      keyFile: server.keyFile,
      users: [
        {
          name: identities.orders.spiffeId,
          configure: '^orders\\.events$',
          write: '^orders\\.events$',
          read: '^$',
        },
        {
          name: identities.billing.spiffeId,
          configure: '^billing\\..*',
          write: '^billing\\..*',
          read: '^(billing\\..*|orders\\.events)$',
        },
        {
          name: identities.rogue.spiffeId,
          configure: '^$',
          write: '^orders\\.events$',
          read: '^$',
        },
        { name: identities.admin.spiffeId, configure: '.*', write: '.*', read: '.*' },
      ],
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  project.provide('broker', {
    available: true,
    port: broker.port,
    nodename: broker.nodename,
    ctlEnv: broker.ctlEnv,
    caFile: ca.certificateFile,
    otherCaFile: other.certificateFile,
    identities,
  });
  return async () => {
    await broker.stop();
    rmSync(root, { recursive: true, force: true });
  };
}
