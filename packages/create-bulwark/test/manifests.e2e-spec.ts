import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli, tempDir } from './support/cli.js';

// Parsed YAML is walked by path; the assertions are the type checks.
// biome-ignore lint/suspicious/noExplicitAny: untyped manifest documents
type Doc = Record<string, any>;

function load(dir: string): Doc[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => {
        expect(doc.errors, file).toEqual([]);
        return doc.toJS() as Doc;
      }),
    );
}

describe.each([
  ['without Redis', [] as string[]],
  ['with --redis', ['--redis']],
])('the generated Kubernetes manifests, %s', (_label, flags) => {
  let work: string;
  let docs: Doc[];
  let deployment: Doc;
  let env: Record<string, string>;
  const kind = (k: string) => docs.filter((d) => d.kind === k);

  beforeAll(async () => {
    work = tempDir('manifests');
    const result = await runCli(['svc', '--no-install', ...flags], work);
    expect(result.status, result.stderr).toBe(0);
    docs = load(join(work, 'svc', 'deploy', 'k8s', 'base'));
    deployment = kind('Deployment')[0] as Doc;
    const container = deployment.spec.template.spec.containers[0];
    env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists every manifest in the kustomization', () => {
    const kustomization = load(join(work, 'svc', 'deploy', 'k8s', 'base')).find(
      (d) => d.kind === 'Kustomization',
    );
    const files = readdirSync(join(work, 'svc', 'deploy', 'k8s', 'base')).filter(
      (f) => f !== 'kustomization.yaml',
    );
    expect([...(kustomization?.resources ?? [])].sort()).toEqual(files.sort());
    expect(kind('Deployment')).toHaveLength(1);
    expect(kind('Service')).toHaveLength(1);
    expect(kind('ServiceAccount')).toHaveLength(1);
    expect(kind('PodDisruptionBudget')).toHaveLength(1);
    expect(kind('HorizontalPodAutoscaler')).toHaveLength(1);
  });

  it('meets the Pod Security Standards restricted profile, with a read-only root', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
    expect(pod.hostIPC ?? false).toBe(false);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThanOrEqual(10_000);
    expect(pod.securityContext.seccompProfile.type).toMatch(/^(RuntimeDefault|Localhost)$/);
    for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
      const sc = container.securityContext;
      expect(sc.allowPrivilegeEscalation).toBe(false);
      expect(sc.privileged ?? false).toBe(false);
      expect(sc.runAsNonRoot).toBe(true);
      expect(sc.runAsUser).toBeGreaterThanOrEqual(10_000);
      expect(sc.readOnlyRootFilesystem).toBe(true);
      expect(sc.capabilities.drop).toEqual(['ALL']);
      expect(sc.capabilities.add ?? []).toEqual([]);
      expect(sc.seccompProfile.type).toBe('RuntimeDefault');
      expect(container.ports.every((p: Doc) => p.hostPort === undefined)).toBe(true);
      expect(container.resources.requests.cpu).toBeDefined();
      expect(container.resources.requests.memory).toBeDefined();
      expect(container.resources.limits.memory).toBeDefined();
    }
    // Only volume types the restricted profile allows; /tmp is a writable emptyDir.
    for (const volume of pod.volumes) {
      const types = Object.keys(volume).filter((k) => k !== 'name');
      expect([
        'emptyDir',
        'secret',
        'configMap',
        'projected',
        'downwardAPI',
        'persistentVolumeClaim',
        'ephemeral',
        'csi',
      ]).toEqual(expect.arrayContaining(types));
    }
    const mounts = pod.containers[0].volumeMounts as Doc[];
    const tmp = mounts.find((m) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: Doc) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('mounts secrets as read-only files and mounts no service-account token', () => {
    const pod = deployment.spec.template.spec;
    const secret = pod.volumes.find((v: Doc) => v.secret);
    expect(secret).toBeDefined();
    const mount = pod.containers[0].volumeMounts.find((m: Doc) => m.name === secret.name);
    expect(mount.readOnly).toBe(true);
    expect(JSON.stringify(pod.containers[0].env)).not.toContain('secretKeyRef');
    expect(pod.automountServiceAccountToken).toBe(false);
    const sa = kind('ServiceAccount')[0] as Doc;
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe(sa.metadata.name);
  });

  it('reads the Redis URL from the mounted secret file (REDIS_URL_FILE) only with --redis', () => {
    const pod = deployment.spec.template.spec;
    const secret = pod.volumes.find((v: Doc) => v.secret);
    const mount = pod.containers[0].volumeMounts.find((m: Doc) => m.name === secret.name);
    expect(env.REDIS_URL).toBeUndefined();
    if (flags.includes('--redis')) {
      expect(env.REDIS_URL_FILE).toBe(`${mount.mountPath}/REDIS_URL`);
      // Without the secret the pod must not start half-configured.
      expect(secret.secret.optional ?? false).toBe(false);
    } else {
      expect(env.REDIS_URL_FILE).toBeUndefined();
    }
  });

  it('probes startup, readiness and liveness, and drains within the grace period', () => {
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    expect(container.startupProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    const preStop = container.lifecycle.preStop.sleep.seconds as number;
    expect(preStop).toBeGreaterThan(0);
    const delay = Number(env.SHUTDOWN_DELAY_SECONDS);
    const drain = Number(env.SHUTDOWN_TIMEOUT_SECONDS);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(delay + drain + preStop);
    expect(env.NODE_ENV).toBe('production');
    expect(pod.topologySpreadConstraints.length).toBeGreaterThan(0);
  });

  it('denies all ingress and egress by default, then allows DNS, the IdP, the collector and Redis only with --redis', () => {
    const policies = kind('NetworkPolicy');
    const deny = policies.find((p) => p.spec.ingress === undefined && p.spec.egress === undefined);
    expect(deny?.spec.podSelector).toEqual({});
    expect(deny?.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    const allow = policies.find((p) => p !== deny) as Doc;
    const egressPorts = (allow.spec.egress as Doc[]).flatMap((rule) =>
      rule.ports.map((p: Doc) => `${p.protocol}/${p.port}`),
    );
    expect(egressPorts).toEqual(
      expect.arrayContaining(['UDP/53', 'TCP/53', 'TCP/443', 'TCP/4317']),
    );
    expect(egressPorts.includes('TCP/6379')).toBe(flags.includes('--redis'));
    for (const rule of [...allow.spec.ingress, ...allow.spec.egress] as Doc[]) {
      expect(rule.ports?.length, 'every allow names its ports').toBeGreaterThan(0);
      expect((rule.from ?? rule.to)?.length, 'every allow names its peers').toBeGreaterThan(0);
    }
  });

  it('keeps a PDB and an HPA on the Deployment', () => {
    const pdb = kind('PodDisruptionBudget')[0] as Doc;
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const hpa = kind('HorizontalPodAutoscaler')[0] as Doc;
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('pins both base images of the Dockerfile by digest, runs node in exec form as a numeric user', () => {
    const dockerfile = readFileSync(join(work, 'svc', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=\S+@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^ARG RUNTIME_IMAGE=\S+@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^FROM \$\{RUNTIME_IMAGE\} AS runtime$/m);
    expect(dockerfile).toMatch(/^USER 1\d{4}:1\d{4}$/m);
    expect(dockerfile).toMatch(/^CMD \["node", .*"dist\/main\.js"\]$/m);
    // The image and `npm start` run the same command: tracing preloaded before NestJS.
    expect(dockerfile).toMatch(
      /^CMD \["node", "--import", "@bulwark\/tracing\/register", "dist\/main\.js"\]$/m,
    );
    const manifest = JSON.parse(readFileSync(join(work, 'svc', 'package.json'), 'utf8'));
    expect(manifest.scripts.start).toBe('node --import @bulwark/tracing/register dist/main.js');
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n\s+CMD \["node", "dist\/healthcheck\.js"/m);
    expect(dockerfile).toContain('NODE_ENV=production');
    const ignore = readFileSync(join(work, 'svc', '.dockerignore'), 'utf8');
    expect(ignore.split('\n')[1]).toBe('*');
  });

  it('pins every action of the CI workflow by full SHA and starts from no permissions', () => {
    const workflow = parseAllDocuments(
      readFileSync(join(work, 'svc', '.github', 'workflows', 'ci.yml'), 'utf8'),
    )[0]?.toJS() as Doc;
    expect(workflow.permissions).toEqual({});
    const uses = Object.values(workflow.jobs as Doc).flatMap((job: Doc) =>
      job.steps.map((s: Doc) => s.uses).filter(Boolean),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    const text = JSON.stringify(workflow);
    for (const step of [
      'npm run lint',
      'npm test',
      'npm audit',
      'docker build',
      'cyclonedx',
      'cosign sign',
    ]) {
      expect(text).toContain(step);
    }
  });
});
