import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

/** The manifests of a folder; patches (`*.patch.yaml`) are not resources and are left out. */
function load(dir: string): Doc[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml') && !file.endsWith('.patch.yaml'))
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
    const patches = (kustomization?.patches ?? []).map((patch: Doc) => patch.path);
    expect([...(kustomization?.resources ?? []), ...patches].sort()).toEqual(files.sort());
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
    const allow = policies.find((p) => p.metadata.name === 'svc-allow') as Doc;
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

describe('the database manifests (--db postgres, the default)', () => {
  let work: string;
  let dir: string;
  let docs: Doc[];
  let job: Doc;
  let patch: Doc;
  const base = (file: string) => join(dir, 'deploy', 'k8s', 'base', file);
  const envOf = (container: Doc) =>
    Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value])) as Record<
      string,
      string
    >;
  const mountOf = (container: Doc, path: string) =>
    (container.volumeMounts as Doc[]).find((m) => path.startsWith(`${m.mountPath}/`)) as Doc;

  beforeAll(async () => {
    work = tempDir('manifests-db');
    const result = await runCli(['svc', '--no-install'], work);
    expect(result.status, result.stderr).toBe(0);
    dir = join(work, 'svc');
    docs = load(join(dir, 'deploy', 'k8s', 'base'));
    job = docs.find((d) => d.kind === 'Job') as Doc;
    patch = parseAllDocuments(readFileSync(base('database.patch.yaml'), 'utf8'))[0]?.toJS() as Doc;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists the migration Job, the database policy and the Deployment patch in the kustomization', () => {
    const kustomization = docs.find((d) => d.kind === 'Kustomization') as Doc;
    expect(kustomization.resources).toEqual(
      expect.arrayContaining(['migration-job.yaml', 'networkpolicy-database.yaml']),
    );
    expect(kustomization.patches).toContainEqual({ path: 'database.patch.yaml' });
    expect(patch).toMatchObject({ kind: 'Deployment', metadata: { name: 'svc' } });
  });

  it('runs the migrations as a Job with the migrator role, by node (the image has no npm)', () => {
    const pod = job.spec.template.spec;
    const container = pod.containers[0] as Doc;
    expect(container.command).toEqual([
      'node',
      'node_modules/@bulwark/database/dist/migrate-cli.js',
      'migrations',
    ]);
    const deployment = docs.find((d) => d.kind === 'Deployment') as Doc;
    // The same image as the service, so the production overlay's digest applies to both.
    expect(container.image).toBe(deployment.spec.template.spec.containers[0].image);
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(0);
    const env = envOf(container);
    expect(env.NODE_ENV).toBe('production');
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/service_migrator@[^:/]+:5432\/service\?/);
    expect(new URL(env.DATABASE_URL as string).searchParams.get('sslmode')).toBe('verify-full');
    const mount = mountOf(container, env.DATABASE_PASSWORD_FILE as string);
    expect(mount.readOnly).toBe(true);
    expect(env.DATABASE_CA_FILE?.startsWith(`${mount.mountPath}/`)).toBe(true);
    const volume = (pod.volumes as Doc[]).find((v) => v.name === mount.name) as Doc;
    expect(volume.secret.secretName).toBe('svc-database-migrator');
    // Restricted like the service: read-only root, no token, not the service's pod label.
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(job.spec.template.metadata.labels['app.kubernetes.io/name']).not.toBe('svc');
  });

  it('gives the service the app role, its password and CA as files of a Secret, the URL without a password', () => {
    const pod = patch.spec.template.spec;
    const container = pod.containers[0] as Doc;
    const env = envOf(container);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/service_app@[^:/]+:5432\/service\?/);
    expect(new URL(env.DATABASE_URL as string).password).toBe('');
    expect(new URL(env.DATABASE_URL as string).searchParams.get('sslmode')).toBe('verify-full');
    const mount = mountOf(container, env.DATABASE_PASSWORD_FILE as string);
    expect(mount.readOnly).toBe(true);
    // A directory mount, not subPath: a rotated Secret reaches the running pod.
    expect(mount.subPath).toBeUndefined();
    expect(env.DATABASE_CA_FILE?.startsWith(`${mount.mountPath}/`)).toBe(true);
    const volume = (pod.volumes as Doc[]).find((v) => v.name === mount.name) as Doc;
    expect(volume.secret.secretName).toBe('svc-database');
    expect(JSON.stringify(pod)).not.toContain('migrator');
    // The roles the manifests log in as are the ones deploy/sql/roles.sql creates.
    const roles = readFileSync(join(dir, 'deploy/sql/roles.sql'), 'utf8');
    for (const role of ['service_owner', 'service_migrator', 'service_app', 'service_readonly']) {
      expect(roles).toMatch(new RegExp(`^CREATE ROLE ${role} `, 'm'));
    }
    expect(roles).toContain(
      'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON bulwark_schema_migrations FROM service_app;',
    );
  });

  it('allows egress to the database port only, from the service and from the Job', () => {
    const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
    const database = policies.find((p) => p.metadata.name === 'svc-allow-database') as Doc;
    expect(database.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'svc' });
    expect(database.spec.policyTypes).toEqual(['Egress']);
    expect(database.spec.ingress).toBeUndefined();
    expect(database.spec.egress).toHaveLength(1);
    expect(database.spec.egress[0].ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    expect(database.spec.egress[0].to.length).toBeGreaterThan(0);
    const migrate = policies.find(
      (p) => p.spec.podSelector.matchLabels['app.kubernetes.io/name'] === 'svc-migrate',
    ) as Doc;
    expect(migrate.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(migrate.spec.ingress).toBeUndefined();
    const ports = (migrate.spec.egress as Doc[]).flatMap((rule) =>
      rule.ports.map((p: Doc) => `${p.protocol}/${p.port}`),
    );
    expect(ports.sort()).toEqual(['TCP/53', 'TCP/5432', 'UDP/53']);
  });

  it('ships migrations/ in the image, for the check and the Job', () => {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY migrations\/ \.\/migrations\/$/m);
    expect(dockerfile).toMatch(/cp -R package\.json dist node_modules migrations \/out\//);
    expect(readFileSync(join(dir, '.dockerignore'), 'utf8')).toContain('!migrations/');
  });

  it('has none of it with --db none', async () => {
    const result = await runCli(['plain', '--no-install', '--db', 'none'], work);
    expect(result.status, result.stderr).toBe(0);
    const plain = join(work, 'plain', 'deploy', 'k8s', 'base');
    const all = load(plain);
    expect(all.filter((d) => d.kind === 'Job')).toEqual([]);
    const kustomization = all.find((d) => d.kind === 'Kustomization') as Doc;
    expect(kustomization.patches).toBeUndefined();
    expect(JSON.stringify(all)).not.toMatch(/database|5432/);
    expect(existsSync(join(plain, 'database.patch.yaml'))).toBe(false);
  });
});

describe('the manifests are named after the service, so two services share a cluster', () => {
  let work: string;
  /** Every object of base + overlay (overlay resources and namespace applied), per service. */
  interface Built {
    objects: Doc[];
    /** The base's patches (`*.patch.yaml`): what they add to the Deployment. */
    patches: Doc[];
    /** The image names the overlay rewrites (`images[].name`). */
    images: string[];
    /** The names the overlay's patches target. */
    targets: string[];
  }
  const builds = new Map<string, Map<string, Built>>();
  const of = (service: string, overlay: string) => builds.get(service)?.get(overlay) as Built;
  const OVERLAYS = ['base', 'development', 'production'] as const;
  // Everything that can be on: Redis, TLS (with cert-manager), messaging, the database.
  const FLAGS = ['--no-install', '--redis', '--messaging'];

  const build = (dir: string, overlay: (typeof OVERLAYS)[number]): Built => {
    const k8s = join(dir, 'deploy', 'k8s');
    const base = load(join(k8s, 'base')).filter((d) => d.kind !== 'Kustomization');
    const patches = readdirSync(join(k8s, 'base'))
      .filter((file) => file.endsWith('.patch.yaml'))
      .flatMap((file) =>
        parseAllDocuments(readFileSync(join(k8s, 'base', file), 'utf8')).map(
          (d) => d.toJS() as Doc,
        ),
      );
    if (overlay === 'base') return { objects: base, patches, images: [], targets: [] };
    const docs = load(join(k8s, 'overlays', overlay));
    const kustomization = docs.find((d) => d.kind === 'Kustomization') as Doc;
    const objects = [...base, ...docs.filter((d) => d.kind !== 'Kustomization')].map((d) => ({
      ...d,
      metadata: { ...d.metadata, namespace: kustomization.namespace },
    }));
    return {
      objects,
      patches,
      images: (kustomization.images ?? []).map((i: Doc) => i.name),
      targets: (kustomization.patches ?? []).map((p: Doc) => p.target.name),
    };
  };
  /** The label selectors an object applies to its own pods, each with its namespace. */
  const selectorsOf = (d: Doc): Doc[] =>
    [
      d.spec?.selector?.matchLabels ?? (d.kind === 'Service' ? d.spec.selector : undefined),
      d.spec?.podSelector?.matchLabels,
      ...(d.spec?.template?.spec?.topologySpreadConstraints ?? []).map(
        (c: Doc) => c.labelSelector.matchLabels,
      ),
    ].filter((s) => s !== undefined);
  const strings = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : typeof value === 'object' && value !== null
        ? Object.values(value).flatMap(strings)
        : [];

  beforeAll(async () => {
    work = tempDir('manifests-names');
    for (const [dir, name] of [
      ['orders', '@acme/orders'],
      ['billing', 'billing'],
    ] as const) {
      const result = await runCli([dir, '--name', name, ...FLAGS], work);
      expect(result.status, result.stderr).toBe(0);
      builds.set(dir, new Map(OVERLAYS.map((o) => [o, build(join(work, dir), o)])));
    }
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(OVERLAYS)(
    'names every object, label, selector, namespace and image of %s after "orders" (the unscoped package name), never "service"',
    (overlay) => {
      const { objects, patches, images, targets } = of('orders', overlay);
      const ours = (value: string) => expect(value).toMatch(/^orders(-[a-z-]+)?$/);
      expect(objects.length).toBeGreaterThan(10);
      for (const d of objects) {
        // The production overlay's namespace-wide deny is alone in the service's own namespace.
        if (d.metadata.name !== 'namespace-default-deny') ours(d.metadata.name);
        if (overlay === 'base') expect(d.metadata.namespace).toBeUndefined();
        else ours(d.metadata.namespace);
        const pod = d.spec?.template;
        if (pod) {
          ours(pod.metadata.labels['app.kubernetes.io/name']);
          ours(pod.spec.serviceAccountName);
          for (const c of pod.spec.containers) expect(c.image).toBe('orders:latest');
          for (const v of pod.spec.volumes as Doc[]) if (v.secret) ours(v.secret.secretName);
          for (const v of pod.spec.volumes as Doc[]) if (v.configMap) ours(v.configMap.name);
          for (const c of pod.spec.containers as Doc[]) {
            for (const from of c.envFrom ?? []) ours(from.configMapRef.name);
          }
        }
        for (const selector of selectorsOf(d)) {
          if (d.metadata.name === 'namespace-default-deny') continue;
          ours(selector['app.kubernetes.io/name']);
        }
        if (d.spec?.scaleTargetRef) ours(d.spec.scaleTargetRef.name);
        // No value anywhere is the placeholder or a name derived from it.
        for (const value of strings(d)) expect(value).not.toMatch(/^service(-|:|$)/);
      }
      // The patches (database, messaging) add Secrets and ConfigMaps named after the service.
      expect(patches.length).toBe(2);
      for (const patch of patches) {
        ours(patch.metadata.name);
        const pod = patch.spec.template.spec;
        for (const c of pod.containers as Doc[]) ours(c.name);
        for (const v of pod.volumes as Doc[]) ours(v.secret?.secretName ?? v.configMap?.name);
        for (const value of strings(patch)) expect(value).not.toMatch(/^service(-|:|$)/);
      }
      if (overlay === 'production') expect(images).toEqual(['orders']);
      if (overlay === 'development') {
        expect(targets.length).toBeGreaterThan(0);
        for (const target of targets) expect(target).toBe('orders');
      }
    },
  );

  it('names the production image, the cert-manager Certificate and its DNS names after the service', () => {
    const dir = join(work, 'orders', 'deploy', 'k8s');
    const production = readFileSync(join(dir, 'overlays/production/kustomization.yaml'), 'utf8');
    expect(production).toContain('newName: ghcr.io/example/orders');
    expect(production).toContain('kustomize edit set image orders=');
    const [certificate] = load(join(dir, 'cert-manager')) as [Doc];
    expect(certificate.metadata.name).toBe('orders-tls');
    expect(certificate.spec.secretName).toBe('orders-tls');
    expect(certificate.spec.dnsNames).toEqual([
      'orders',
      'orders.<namespace>.svc',
      'orders.<namespace>.svc.cluster.local',
    ]);
    expect(certificate.spec.uris).toEqual(['spiffe://cluster.local/ns/<namespace>/sa/orders']);
    // The comments name the real objects too.
    expect(readFileSync(join(dir, 'base/migration-job.yaml'), 'utf8')).toContain(
      'kubectl delete job orders-migrate',
    );
  });

  it.each(OVERLAYS)(
    'gives "orders" and "billing" no common object name in a namespace, and no common selector (%s)',
    (overlay) => {
      const keys = (built: Built) =>
        new Set(
          built.objects.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`),
        );
      const orders = keys(of('orders', overlay));
      const shared = [...keys(of('billing', overlay))].filter((key) => orders.has(key));
      expect(shared).toEqual([]);
      const selectors = (built: Built) =>
        new Set(
          built.objects.flatMap((d) =>
            selectorsOf(d).map((s) => `${d.metadata.namespace ?? ''}/${JSON.stringify(s)}`),
          ),
        );
      const ordersSelectors = selectors(of('orders', overlay));
      expect(ordersSelectors.size).toBeGreaterThan(0);
      expect([...selectors(of('billing', overlay))].filter((s) => ordersSelectors.has(s))).toEqual(
        [],
      );
      // No selector of one service matches a pod of the other.
      for (const [a, b] of [
        ['orders', 'billing'],
        ['billing', 'orders'],
      ] as const) {
        const pods = of(b, overlay)
          .objects.filter((d) => d.spec?.template)
          .map((d) => ({
            namespace: d.metadata.namespace,
            labels: d.spec.template.metadata.labels as Record<string, string>,
          }));
        for (const d of of(a, overlay).objects) {
          for (const selector of selectorsOf(d)) {
            for (const pod of pods) {
              const sameNamespace = d.metadata.namespace === pod.namespace;
              const matches = Object.entries(selector).every(([k, v]) => pod.labels[k] === v);
              expect(sameNamespace && matches, `${a} ${d.kind} ${d.metadata.name}`).toBe(false);
            }
          }
        }
      }
      if (overlay !== 'base') {
        const namespace = (s: string) => of(s, overlay).objects[0]?.metadata.namespace;
        expect(namespace('orders')).not.toBe(namespace('billing'));
      }
    },
  );
});
