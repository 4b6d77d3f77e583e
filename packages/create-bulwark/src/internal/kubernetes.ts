import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The longest Kubernetes name a service may have: the longest name derived from it,
 * `<name>-migrate` (the migration Job and its pods' `app.kubernetes.io/name` label), must stay
 * within the 63 characters of a label value and of a DNS-1123 label.
 */
const MAX_KUBERNETES_NAME = 55;

/** A DNS-1035 label: what a Service name must be, and so what every derived name starts as. */
const LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The placeholder the template's manifests use for the service's name. */
const PLACEHOLDER = 'service';

/** The package name without its npm scope: `@acme/orders` → `orders`. */
function kubernetesName(packageName: string): string {
  return packageName.replace(/^@[^/]+\//, '');
}

/**
 * Why a (valid npm) package name cannot name the service's Kubernetes objects, or `undefined`
 * when its unscoped part can.
 */
export function invalidKubernetesNameReason(packageName: string): string | undefined {
  const name = kubernetesName(packageName);
  if (name.length > MAX_KUBERNETES_NAME) {
    return `is longer than ${MAX_KUBERNETES_NAME} characters (it names the Kubernetes objects, and "${name.slice(0, 8)}…-migrate" must fit in 63)`;
  }
  if (!LABEL.test(name)) {
    return 'is not a valid Kubernetes name (it names the Kubernetes objects: only a-z, 0-9 and "-", starting with a letter and not ending with "-")';
  }
  return undefined;
}

/**
 * Where the template's manifests name the service: the whole value `service` (object names,
 * the `app.kubernetes.io/name` label and selectors, container and image names, the production
 * namespace, DNS names), the names derived from it (`service-config`, `service-tls`...), and
 * the image references. Never the kind `Service`, a key such as `serviceAccountName:`, a mount
 * path such as `/var/run/secrets/service`, or the database and broker URLs (their roles and
 * vhost are the database's and the broker's, not the cluster's).
 */
const REFERENCES: readonly RegExp[] = [
  // `name: service`, `- service`, `{ kind: Deployment, name: service }`.
  /(?<=(?:^|[\s{,])(?:[\w./-]+:|-)[ \t]+)service(?=[ \t]*(?:$|[,}]|#))/gm,
  // Derived names, in values and in comments alike: service-config, service-tls, service-migrate...
  /(?<![\w./=@-])service(?=-(?:config|secrets|tls|database|migrate|allow|default-deny|dev|messaging-producers)\b)/g,
  // The image, its registry name and `kustomize edit set image service=...`.
  /(?<=image:[ \t]+)service(?=:)/g,
  /(?<=\/example\/)service(?![\w.-])/g,
  /(?<=set image )service(?==)/g,
  // The Certificate's DNS names and SPIFFE ID.
  /(?<=^[ \t]*-[ \t]+)service(?=\.<namespace>\.svc)/gm,
  /(?<=\/sa\/)service(?![\w.-])/g,
];

/** Replaces the placeholder name in one manifest's text. */
function renameInManifest(text: string, name: string): string {
  return REFERENCES.reduce((out, pattern) => out.replace(pattern, name), text);
}

/**
 * Renames the service in every manifest under `deploy/k8s` of a rendered service, so that two
 * services generated for one cluster share no object name, label, selector or namespace.
 */
export function renameManifests(target: string, packageName: string): void {
  const name = kubernetesName(packageName);
  if (name === PLACEHOLDER) return;
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.yaml')) {
        writeFileSync(path, renameInManifest(readFileSync(path, 'utf8'), name));
      }
    }
  };
  visit(join(target, 'deploy', 'k8s'));
}
