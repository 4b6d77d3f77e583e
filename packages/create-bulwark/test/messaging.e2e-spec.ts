import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { runCli, tempDir } from './support/cli.js';

// Parsed YAML and JSON are walked by path; the assertions are the type checks.
// biome-ignore lint/suspicious/noExplicitAny: untyped manifest documents
type Doc = Record<string, any>;

let work: string;
beforeAll(() => {
  work = tempDir('messaging');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function generate(name: string, flags: readonly string[]): Promise<string> {
  const result = await runCli([name, '--no-install', ...flags], work);
  expect(result.status, result.stderr).toBe(0);
  return join(work, name);
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

describe('create-bulwark --messaging', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await generate('with-messaging', ['--messaging']);
  });

  it('wires @bulwark/messaging into the app', () => {
    const manifest = JSON.parse(read(dir, 'package.json')) as Doc;
    expect(manifest.dependencies['@bulwark/messaging']).toBe('^0.1.0');
    expect(read(dir, 'src/app.module.ts')).toContain('EventsModule.register()');
    // Resolved while the app is created, so a bad variable is one JSON line, not a stack trace.
    expect(read(dir, 'src/events/events.module.ts')).toContain('MessagingModule.forRootAsync(');
  });

  it('implies --tls: the service authenticates to the broker with its certificate', () => {
    const deployment = parseYaml(read(dir, 'deploy/k8s/base/deployment.yaml')) as Doc;
    const env = deployment.spec.template.spec.containers[0].env as Doc[];
    expect(env).toContainEqual({ name: 'TLS_CERT_FILE', value: '/var/run/secrets/tls/tls.crt' });
  });

  it('writes TLS-only, EXTERNAL-only broker configuration', () => {
    const conf = read(dir, 'deploy/rabbitmq/rabbitmq.conf');
    expect(conf).toContain('listeners.tcp = none');
    expect(conf).toContain('listeners.ssl.default = 5671');
    expect(conf).toContain('ssl_options.fail_if_no_peer_cert = true');
    expect(conf).toContain('auth_mechanisms.1 = EXTERNAL');
    expect(conf).not.toContain('auth_mechanisms.2');
    expect(conf).toContain('ssl_cert_login_san_type = uri');
    expect(read(dir, 'deploy/rabbitmq/enabled_plugins')).toContain('rabbitmq_auth_mechanism_ssl');
    expect(existsSync(join(dir, 'deploy/rabbitmq/README.md'))).toBe(true);
  });

  it('defines one passwordless user with permissions on its own names only', () => {
    const definitions = JSON.parse(read(dir, 'deploy/rabbitmq/definitions.json')) as Doc;
    expect(definitions.users).toEqual([
      expect.objectContaining({
        name: 'spiffe://cluster.local/ns/service/sa/service',
        password_hash: '',
      }),
    ]);
    for (const permission of definitions.permissions as Doc[]) {
      for (const right of ['configure', 'write', 'read']) {
        expect(permission[right]).toBe('^service\\..*');
      }
    }
    const names = (definitions.queues as Doc[]).map((queue) => queue.name);
    expect(names).toEqual(['service.work', 'service.work.retry', 'service.work.dlq']);
    expect(definitions.queues[0].arguments).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'service.work.dlx',
      'x-delivery-limit': 5,
    });
  });

  it('adds an egress rule to the broker only, and the messaging settings to the Deployment', () => {
    const kustomization = parseYaml(read(dir, 'deploy/k8s/base/kustomization.yaml')) as Doc;
    expect(kustomization.resources).toContain('networkpolicy-rabbitmq.yaml');
    expect(kustomization.patches).toContainEqual({ path: 'messaging.patch.yaml' });
    const [policy] = parseAllDocuments(
      read(dir, 'deploy/k8s/base/networkpolicy-rabbitmq.yaml'),
    ).map((doc) => doc.toJS() as Doc);
    expect(policy?.spec.policyTypes).toEqual(['Egress']);
    expect(policy?.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'rabbitmq' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } },
          },
        ],
        ports: [{ port: 5671, protocol: 'TCP' }],
      },
    ]);
    const patch = parseYaml(read(dir, 'deploy/k8s/base/messaging.patch.yaml')) as Doc;
    const env = patch.spec.template.spec.containers[0].env as Doc[];
    expect(env).toContainEqual({
      name: 'AMQP_URL',
      value: 'amqps://rabbitmq.rabbitmq.svc:5671/service',
    });
    expect(env).toContainEqual({ name: 'TLS_CA_FILE', value: '/var/run/secrets/tls/ca.crt' });
  });
});

describe('create-bulwark --messaging --no-example', () => {
  it('imports the events module and the data layer, not the notes', async () => {
    const dir = await generate('messaging-bare', ['--messaging', '--no-example']);
    expect(read(dir, 'src/app.module.ts')).toContain(
      '@Module({ imports: [DataModule, EventsModule.register()] })',
    );
    expect(existsSync(join(dir, 'src/notes'))).toBe(false);
  });
});

describe('create-bulwark without --messaging', () => {
  it('has no broker files and no messaging dependency', async () => {
    const dir = await generate('no-messaging', []);
    expect(existsSync(join(dir, 'deploy/rabbitmq'))).toBe(false);
    // The stub: the module is there, without the broker.
    expect(read(dir, 'src/events/events.module.ts')).not.toContain('MessagingModule');
    const manifest = JSON.parse(read(dir, 'package.json')) as Doc;
    expect(manifest.dependencies['@bulwark/messaging']).toBeUndefined();
    expect(
      parseYaml(read(dir, 'deploy/k8s/base/kustomization.yaml')).patches ?? [],
    ).not.toContainEqual({ path: 'messaging.patch.yaml' });
  });
});

describe('create-bulwark --messaging --no-tls', () => {
  it('is a usage error naming --messaging', async () => {
    const result = await runCli(['bad', '--no-install', '--messaging', '--no-tls'], work);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      '--messaging needs TLS: the service authenticates to the broker with its certificate. Drop --no-tls',
    );
    expect(existsSync(join(work, 'bad'))).toBe(false);
  });
});
