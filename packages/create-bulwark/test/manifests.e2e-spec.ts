import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runCli, tempDir } from './support/cli.js';

// Parsed YAML is walked by path; the assertions are the type checks.
// biome-ignore lint/suspicious/noExplicitAny: untyped manifest documents
type Doc = Record<string, any>;

/** The comment lines of a YAML file, joined into one text. */
function comments(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('#'))
    .map((line) => line.replace(/^#\s?/, ''))
    .join(' ');
}

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
  let deploymentText: string;
  let env: Record<string, string>;
  let envFrom: Record<string, Doc>;
  const kind = (k: string) => docs.filter((d) => d.kind === k);

  beforeAll(async () => {
    work = tempDir('manifests');
    const result = await runCli(['svc', '--no-install', ...flags], work);
    expect(result.status, result.stderr).toBe(0);
    docs = load(join(work, 'svc', 'deploy', 'k8s', 'base'));
    deployment = kind('Deployment')[0] as Doc;
    const container = deployment.spec.template.spec.containers[0];
    env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]));
    envFrom = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.valueFrom]));
    deploymentText = readFileSync(join(work, 'svc', 'deploy/k8s/base/deployment.yaml'), 'utf8');
  });
  const overlay = (name: string) => {
    const dir = join(work, 'svc', 'deploy', 'k8s', 'overlays', name);
    const docs = load(dir);
    return {
      dir,
      kustomization: docs.find((d) => d.kind === 'Kustomization') as Doc,
      resources: docs.filter((d) => d.kind !== 'Kustomization'),
    };
  };
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

  it('denies all ingress and egress of its own pods by default, then allows DNS, the IdP, the collector and Redis only with --redis', () => {
    const policies = kind('NetworkPolicy');
    const deny = policies.find((p) => p.spec.ingress === undefined && p.spec.egress === undefined);
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

  it("scopes the base's default deny to the service's own pods, so a shared namespace keeps its other workloads", () => {
    const policies = kind('NetworkPolicy');
    const deny = policies.find((p) => p.spec.ingress === undefined && p.spec.egress === undefined);
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(deny?.spec.podSelector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
    for (const [key, value] of Object.entries(deny?.spec.podSelector.matchLabels as Doc)) {
      expect(podLabels[key], key).toBe(value);
    }
    // No policy of the base selects every pod of the namespace.
    for (const policy of policies) {
      expect(Object.keys(policy.spec.podSelector.matchLabels ?? {}).length).toBeGreaterThan(0);
    }
  });

  it('adds a namespace-wide default deny in the production overlay only, which has a namespace of its own, saying why', () => {
    const production = overlay('production');
    expect(production.kustomization.resources).toContain('../../base');
    const namespace = production.kustomization.namespace as string;
    expect(namespace).toMatch(/^[a-z0-9-]+$/);
    expect(namespace).not.toBe(overlay('development').kustomization.namespace);
    const local = (production.kustomization.resources as string[]).filter(
      (r) => r !== '../../base',
    );
    expect(local).toHaveLength(1);
    const [file] = local as [string];
    expect(production.resources).toHaveLength(1);
    const [wide] = production.resources as [Doc];
    expect(wide.kind).toBe('NetworkPolicy');
    expect(wide.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const comment = comments(readFileSync(join(production.dir, file), 'utf8'));
    expect(comment).toContain('namespace of its own');
    expect(comment).toContain('Never apply it to a namespace other workloads share');
    // The development overlay takes the base's policies as they are.
    expect(overlay('development').kustomization.resources).toEqual(['../../base']);
    expect(overlay('development').resources).toEqual([]);
  });

  it('binds the metrics listener to the pod IP, reachable from the monitoring namespace only, off the Service', () => {
    const container = deployment.spec.template.spec.containers[0];
    expect(env.METRICS_HOST).toBeUndefined();
    expect(envFrom.METRICS_HOST).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    const metrics = container.ports.find((p: Doc) => p.name === 'metrics');
    expect(String(metrics.containerPort)).toBe(env.METRICS_PORT);
    const allow = kind('NetworkPolicy').find((p) => p.spec.ingress !== undefined) as Doc;
    const metricsRules = (allow.spec.ingress as Doc[]).filter((rule) =>
      rule.ports.some((p: Doc) => p.port === metrics.containerPort),
    );
    expect(metricsRules).toHaveLength(1);
    expect(metricsRules[0]?.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    const service = kind('Service')[0] as Doc;
    for (const port of service.spec.ports as Doc[]) {
      expect([metrics.name, metrics.containerPort]).not.toContain(port.targetPort);
    }
  });

  it('trusts exactly one proxy hop (TRUST_PROXY=1): the ingress controller, the only peer allowed to the API port', () => {
    expect(env.TRUST_PROXY).toBe('1');
    const container = deployment.spec.template.spec.containers[0];
    const http = container.ports.find((p: Doc) => p.name === 'http');
    const allow = kind('NetworkPolicy').find((p) => p.spec.ingress !== undefined) as Doc;
    const apiRules = (allow.spec.ingress as Doc[]).filter((rule) =>
      rule.ports.some((p: Doc) => p.port === http.containerPort),
    );
    expect(apiRules).toHaveLength(1);
    expect(apiRules[0]?.from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
  });

  it("sets RATE_LIMIT_REPLICAS to the HPA's maximum, in the base and in the development overlay", () => {
    const hpa = kind('HorizontalPodAutoscaler')[0] as Doc;
    expect(env.RATE_LIMIT_REPLICAS).toBe(String(hpa.spec.maxReplicas));
    // The development overlay lowers the HPA's maximum, and RATE_LIMIT_REPLICAS with it.
    const patches = overlay('development').kustomization.patches as Doc[];
    const ops = patches
      .filter((p) => p.target.kind === 'HorizontalPodAutoscaler')
      .flatMap((p) => parseAllDocuments(p.patch)[0]?.toJS() as Doc[]);
    const devMax = ops.find((op) => op.path === '/spec/maxReplicas')?.value;
    expect(devMax).toBeLessThan(hpa.spec.maxReplicas);
    const devEnv = patches
      .filter((p) => p.target.kind === 'Deployment')
      .map((p) => parseAllDocuments(p.patch)[0]?.toJS() as Doc)
      .filter((patch) => !Array.isArray(patch))
      .flatMap((patch) => patch.spec.template.spec.containers[0].env as Doc[]);
    expect(devEnv).toEqual([{ name: 'RATE_LIMIT_REPLICAS', value: String(devMax) }]);
  });

  it('says what the limits per pod mean: without --redis, the share and the shared store as the exact option; with it, the store is exact', () => {
    const comment = comments(deploymentText);
    if (flags.includes('--redis')) {
      expect(env.REDIS_URL_FILE).toBeDefined();
      expect(comment).toContain('The shared Redis store keeps every limit exact across pods');
    } else {
      expect(env.REDIS_URL_FILE).toBeUndefined();
      expect(comment).toContain('RATE_LIMIT_MAX ÷ RATE_LIMIT_REPLICAS');
      expect(comment).toContain(
        'For exact limits across pods use the shared Redis store (create-bulwark --redis)',
      );
    }
    const readme = readFileSync(join(work, 'svc', 'README.md'), 'utf8');
    for (const text of ['RATE_LIMIT_REPLICAS', 'METRICS_HOST', 'TRUST_PROXY', 'PodMonitor']) {
      expect(readme).toContain(text);
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
