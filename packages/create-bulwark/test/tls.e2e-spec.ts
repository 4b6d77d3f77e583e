import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { runCli, tempDir } from './support/cli.js';

// Parsed YAML is walked by path; the assertions are the type checks.
// biome-ignore lint/suspicious/noExplicitAny: untyped manifest documents
type Doc = Record<string, any>;

let work: string;
beforeAll(() => {
  work = tempDir('tls');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function generate(name: string, flags: readonly string[]): Promise<string> {
  const result = await runCli([name, '--no-install', ...flags], work);
  expect(result.status, result.stderr).toBe(0);
  return join(work, name);
}

function deploymentOf(dir: string): { container: Doc; pod: Doc; env: Record<string, string> } {
  const doc = parseYaml(readFileSync(join(dir, 'deploy/k8s/base/deployment.yaml'), 'utf8')) as Doc;
  const pod = doc.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
  return { container, pod, env };
}

describe.each([
  ['--tls', ['--tls']],
  ['--tls with --redis', ['--tls', '--redis']],
])('create-bulwark %s', (label, flags) => {
  let dir: string;
  beforeAll(async () => {
    dir = await generate(label.includes('redis') ? 'tls-redis' : 'tls-only', flags);
  });

  it('points the TLS_* variables at the mounted service-tls Secret, with mTLS required', () => {
    const { container, pod, env } = deploymentOf(dir);
    expect(env).toMatchObject({
      TLS_CERT_FILE: '/var/run/secrets/tls/tls.crt',
      TLS_KEY_FILE: '/var/run/secrets/tls/tls.key',
      TLS_CLIENT_CA_FILE: '/var/run/secrets/tls/ca.crt',
      TLS_CLIENT_AUTH: 'required',
    });
    expect(container.volumeMounts).toContainEqual({
      name: 'tls',
      mountPath: '/var/run/secrets/tls',
      readOnly: true,
    });
    expect(container.volumeMounts.every((mount: Doc) => mount.subPath === undefined)).toBe(true);
    // Named after the service, like every object of its manifests.
    expect(pod.volumes.find((volume: Doc) => volume.name === 'tls')?.secret.secretName).toBe(
      `${basename(dir)}-tls`,
    );
  });

  it('probes with scheme HTTPS on the port named https, and names the Service port https', () => {
    const { container } = deploymentOf(dir);
    expect(container.ports).toContainEqual({ name: 'https', containerPort: 3000, protocol: 'TCP' });
    expect(container.ports.some((port: Doc) => port.name === 'http')).toBe(false);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(container[probe].httpGet, probe).toMatchObject({ port: 'https', scheme: 'HTTPS' });
    }
    const service = parseYaml(readFileSync(join(dir, 'deploy/k8s/base/service.yaml'), 'utf8'));
    expect(service.spec.ports).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('keeps what --redis adds to the Deployment', () => {
    const { env } = deploymentOf(dir);
    expect(env.REDIS_URL_FILE).toBe(
      label.includes('redis') ? '/var/run/secrets/service/REDIS_URL' : undefined,
    );
  });

  it('adds an optional cert-manager Certificate for that Secret, outside the base kustomization', () => {
    const file = join(dir, 'deploy/k8s/cert-manager/certificate.yaml');
    const text = readFileSync(file, 'utf8');
    const [certificate] = parseAllDocuments(text).map((doc) => doc.toJS() as Doc);
    expect(certificate).toMatchObject({
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      spec: { secretName: `${basename(dir)}-tls`, usages: ['server auth', 'digital signature'] },
    });
    expect(text).toMatch(/^# OPTIONAL: apply this only where cert-manager/m);
    const kustomization = parseYaml(
      readFileSync(join(dir, 'deploy/k8s/base/kustomization.yaml'), 'utf8'),
    );
    expect(kustomization.resources).not.toContain('../cert-manager/certificate.yaml');
  });

  it('explains direct mTLS and mesh mode (XFCC) in the README, and lists the variables', () => {
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('### TLS, mTLS and peer identity');
    expect(readme).toContain('**Direct mTLS** (`create-bulwark --tls`)');
    expect(readme).toContain('**Mesh mode**');
    expect(readme).toContain('PEER_IDENTITY_HEADER=x-forwarded-client-cert');
    const example = readFileSync(join(dir, '.env.example'), 'utf8');
    for (const line of [
      '# TLS_CERT_FILE=/var/run/secrets/tls/tls.crt',
      '# TLS_KEY_FILE=/var/run/secrets/tls/tls.key',
      '# TLS_CLIENT_CA_FILE=/var/run/secrets/tls/ca.crt',
      '# TLS_CLIENT_AUTH=required',
      '# PEER_IDENTITY_HEADER=x-forwarded-client-cert',
    ]) {
      expect(example.split('\n')).toContain(line);
    }
  });

  it('has a HEALTHCHECK script that speaks HTTPS when TLS is on', () => {
    const script = readFileSync(join(dir, 'src/healthcheck.ts'), 'utf8');
    expect(script).toContain("import { request as httpsRequest } from 'node:https';");
    expect(script).toContain('process.env.TLS_CERT_FILE');
  });
});

/**
 * The Deployment of a --tls service with the TLS additions taken back out: what is left must be
 * the Deployment generated without --tls, so the TLS overlays never drift from the base.
 */
function withoutTls(deployment: Doc): Doc {
  const copy = structuredClone(deployment) as Doc;
  const pod = copy.spec.template.spec;
  const container = pod.containers[0];
  container.env = container.env.filter((e: Doc) => !String(e.name).startsWith('TLS_'));
  container.volumeMounts = container.volumeMounts.filter((m: Doc) => m.name !== 'tls');
  pod.volumes = pod.volumes.filter((v: Doc) => v.name !== 'tls');
  for (const port of container.ports) if (port.name === 'https') port.name = 'http';
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    delete container[probe].httpGet.scheme;
    container[probe].httpGet.port = 'http';
  }
  return copy;
}

describe.each([
  ['', [] as string[]],
  [' with --redis', ['--redis']],
])('the --tls Deployment%s', (label, flags) => {
  it('is the plain one plus the TLS additions only', async () => {
    const name = `drift${label.replaceAll(/\W/g, '-')}`;
    const plain = parseYaml(
      readFileSync(
        join(
          await generate(`${name}-plain`, [...flags, '--name', name]),
          'deploy/k8s/base/deployment.yaml',
        ),
        'utf8',
      ),
    ) as Doc;
    const tls = parseYaml(
      readFileSync(
        join(
          await generate(`${name}-tls`, [...flags, '--tls', '--name', name]),
          'deploy/k8s/base/deployment.yaml',
        ),
        'utf8',
      ),
    ) as Doc;
    expect(withoutTls(tls)).toEqual(plain);
  });
});

describe('create-bulwark without --tls', () => {
  it('serves plain HTTP: no TLS variables, probes over HTTP, no Certificate', async () => {
    const dir = await generate('plain-http', []);
    const { container, env } = deploymentOf(dir);
    expect(Object.keys(env).filter((name) => name.startsWith('TLS_'))).toEqual([]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(existsSync(join(dir, 'deploy/k8s/cert-manager'))).toBe(false);
  });

  it('lists --tls in --help', async () => {
    const result = await runCli(['--help'], work);
    expect(result.stdout).toMatch(/^ {2}--tls {2,}TLS on the main listener/m);
  });

  it('refuses --tls with a value, naming the flag (exit 2)', async () => {
    const result = await runCli(['svc', '--tls=yes'], work);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--tls takes no value');
  });
});
