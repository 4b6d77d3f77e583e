import { CreateBulwarkError } from './create-bulwark.error.js';
import {
  ADAPTERS,
  type Adapter,
  type CliFlags,
  DATABASES,
  type Database,
  PACKAGE_MANAGERS,
  type PackageManager,
} from './options.js';

/** The usage text printed by `--help`. */
export const USAGE = `Usage: create-bulwark <directory> [options]

Generate a secure NestJS service: the app, its multi-stage image, Kubernetes manifests and CI.

Options:
  --name <pkg>                  package name (default: the directory's base name); without its
                                scope it names the Kubernetes objects: a-z, 0-9, "-", from a letter
  --adapter fastify|express     HTTP adapter (default: fastify)
  --redis                       Redis-backed rate limiting and readiness, configured by REDIS_URL
  --db postgres|none            data layer (default: postgres): @bulwark/database, PostgreSQL
                                over verified TLS as a least-privilege role in production,
                                embedded PGlite (no server) in development and tests,
                                migrations run by npm run migrate; none keeps notes in memory
  --no-example                  omit the example notes resource (with --db postgres the
                                data layer stays, with no tables)
  --tls                         TLS on the main listener from mounted certificate files (mTLS
                                with a client CA), HTTPS probes, a cert-manager Certificate
  --messaging                   @bulwark/messaging (RabbitMQ) wired, and deploy/rabbitmq/ with
                                TLS-only, least-privilege broker definitions (implies --tls)
  --package-manager npm|pnpm    package manager (default: npm)
  --no-install                  write the files only
  --local <path>                take the @bulwark packages from a checkout (or a folder of
                                their tarballs), packed into vendor/, instead of the registry
  --yes, -y                     never prompt; defaults for everything not given
  --force                       allow a non-empty directory: writes only the files that do
                                not exist yet, never deletes or overwrites one, and lists
                                the files it kept
  --help, -h                    show this help
  --version, -v                 show the version

Exit codes: 0 success, 2 usage error, 1 any other failure.`;

type ValueFlag = '--name' | '--adapter' | '--db' | '--package-manager' | '--local';
const VALUE_FLAGS = new Set<string>([
  '--name',
  '--adapter',
  '--db',
  '--package-manager',
  '--local',
]);

/**
 * Parses the command line. Throws a `USAGE` {@link CreateBulwarkError} naming the flag for an
 * unknown flag, a missing value or a value outside its allowed set.
 */
export function parseArgs(argv: readonly string[]): CliFlags {
  const flags: CliFlags = { yes: false, force: false, help: false, version: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      for (const rest of argv.slice(i + 1)) setDirectory(flags, rest);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      setDirectory(flags, arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (seen.has(flag)) throw usage(flag, `${flag} is given more than once`);
    seen.add(flag);
    if (VALUE_FLAGS.has(flag)) {
      let value: string | undefined;
      if (eq !== -1) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) value = argv[++i];
      if (value === undefined || value === '') throw usage(flag, `${flag} needs a value`);
      setValue(flags, flag as ValueFlag, value);
      continue;
    }
    if (eq !== -1) throw usage(flag, `${flag} takes no value`);
    switch (flag) {
      case '--redis':
        flags.redis = true;
        break;
      case '--no-redis':
        flags.redis = false;
        break;
      case '--tls':
        flags.tls = true;
        break;
      case '--no-tls':
        flags.tls = false;
        break;
      case '--messaging':
        flags.messaging = true;
        break;
      case '--no-messaging':
        flags.messaging = false;
        break;
      case '--example':
        flags.example = true;
        break;
      case '--no-example':
        flags.example = false;
        break;
      case '--install':
        flags.install = true;
        break;
      case '--no-install':
        flags.install = false;
        break;
      case '--yes':
      case '-y':
        flags.yes = true;
        break;
      case '--force':
        flags.force = true;
        break;
      case '--help':
      case '-h':
        flags.help = true;
        break;
      case '--version':
      case '-v':
        flags.version = true;
        break;
      default:
        throw usage(flag, `unknown option ${flag} (see --help)`);
    }
  }
  if (flags.messaging === true && flags.tls === false) {
    throw usage(
      '--messaging',
      '--messaging needs TLS: the service authenticates to the broker with its certificate. Drop --no-tls',
    );
  }
  return flags;
}

function setDirectory(flags: CliFlags, value: string): void {
  if (flags.directory !== undefined) {
    throw usage(
      '<directory>',
      `only one <directory> may be given, got "${flags.directory}" and "${value}"`,
    );
  }
  flags.directory = value;
}

function setValue(flags: CliFlags, flag: ValueFlag, value: string): void {
  switch (flag) {
    case '--name':
      flags.name = value;
      return;
    case '--adapter':
      flags.adapter = oneOf(flag, value, ADAPTERS) as Adapter;
      return;
    case '--db':
      flags.db = oneOf(flag, value, DATABASES) as Database;
      return;
    case '--package-manager':
      flags.packageManager = oneOf(flag, value, PACKAGE_MANAGERS) as PackageManager;
      return;
    case '--local':
      flags.local = value;
      return;
    default: {
      const never: never = flag;
      throw usage(String(never), `unknown option ${String(never)}`);
    }
  }
}

function oneOf(flag: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) {
    throw usage(flag, `${flag} must be ${allowed.join(' or ')}, not "${value}"`);
  }
  return value;
}

/** A usage error about one flag. */
export function usage(flag: string, message: string): CreateBulwarkError {
  return new CreateBulwarkError('USAGE', message, flag);
}
