import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { BulwarkConfigError } from '@bulwark/core';
import {
  countTlsReloadFailure,
  reportTlsCertificates,
  type TlsCertificateStatus,
  withdrawTlsCertificates,
} from '@bulwark/core/tls';
import { Logger } from '@nestjs/common';
import type { ResolvedTlsOptions } from '../http-options.interface.js';
import { MODERN_TLS_CIPHERS, TLS_ECDH_CURVES, TLS_MIN_VERSION } from '../tls-profile.js';

type MaterialFile = 'certificate' | 'key' | 'client_ca';

interface Texts {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
}

interface Loaded extends Texts {
  readonly notAfter: Date;
  readonly caNotAfter: Date | undefined;
}

/** Why material was refused: which file, and a message that never holds key material. */
class MaterialError extends Error {
  constructor(
    readonly file: MaterialFile,
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificates(text: string, file: MaterialFile, setting: string): X509Certificate[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new MaterialError(file, setting, 'holds no PEM certificate');
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new MaterialError(file, setting, 'holds a certificate that does not parse');
    }
  });
}

function contextOptions(texts: Texts): SecureContextOptions {
  return {
    cert: texts.cert,
    key: texts.key,
    ...(texts.ca === undefined ? {} : { ca: texts.ca }),
    minVersion: TLS_MIN_VERSION,
    ciphers: MODERN_TLS_CIPHERS,
    ecdhCurve: TLS_ECDH_CURVES,
  };
}

function validate(texts: Texts, tls: ResolvedTlsOptions): Loaded {
  const chain = certificates(texts.cert, 'certificate', tls.settings.certFile);
  const leaf = chain[0] as X509Certificate;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(texts.key);
  } catch {
    throw new MaterialError('key', tls.settings.keyFile, 'holds no PEM private key that parses');
  }
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(key);
  } catch {
    matches = false;
  }
  if (!matches) {
    throw new MaterialError(
      'key',
      tls.settings.keyFile,
      `does not match the certificate in ${tls.settings.certFile}`,
    );
  }
  const cas =
    texts.ca === undefined
      ? undefined
      : certificates(texts.ca, 'client_ca', tls.settings.clientCaFile);
  try {
    createSecureContext(contextOptions(texts));
  } catch (error) {
    throw new MaterialError(
      'certificate',
      tls.settings.certFile,
      `OpenSSL refused the material (${(error as { code?: string }).code ?? 'error'})`,
    );
  }
  return {
    ...texts,
    notAfter: new Date(leaf.validTo),
    caNotAfter:
      cas === undefined
        ? undefined
        : new Date(Math.min(...cas.map((ca) => new Date(ca.validTo).getTime()))),
  };
}

function readFailure(file: MaterialFile, setting: string, path: string, error: unknown) {
  const code = (error as { code?: string }).code ?? 'error';
  return new MaterialError(file, setting, `cannot read "${path}" (${code})`);
}

/**
 * The listener's TLS material: read and validated at start-up, then polled. New content that
 * validates is used for new handshakes (`server.setSecureContext`); established connections keep
 * theirs. Content that does not is refused with a logged error and a counted failure, and the
 * previous material stays in use.
 */
export class TlsMaterial {
  private current: Loaded;
  private refused: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking = false;
  private server: TlsServer | undefined;
  private readonly logger = new Logger('Tls');

  private constructor(
    readonly options: ResolvedTlsOptions,
    loaded: Loaded,
  ) {
    this.current = loaded;
  }

  /**
   * Reads and validates the files.
   *
   * @throws BulwarkConfigError naming the variable (or option) of the file at fault.
   */
  static load(options: ResolvedTlsOptions): TlsMaterial {
    const read = (file: MaterialFile, setting: string, path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (error) {
        throw readFailure(file, setting, path, error);
      }
    };
    try {
      const texts = {
        cert: read('certificate', options.settings.certFile, options.certFile),
        key: read('key', options.settings.keyFile, options.keyFile),
        ca:
          options.clientCaFile === undefined
            ? undefined
            : read('client_ca', options.settings.clientCaFile, options.clientCaFile),
      };
      return new TlsMaterial(options, validate(texts, options));
    } catch (error) {
      if (!(error instanceof MaterialError)) throw error;
      throw new BulwarkConfigError(error.setting, error.message);
    }
  }

  /** The `https` server options: this material, the client certificate request, the profile. */
  serverOptions(): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
    return {
      ...contextOptions(this.current),
      // Ask for a certificate in the handshake, but decide per route: probes come without one.
      requestCert: this.options.clientCaFile !== undefined,
      rejectUnauthorized: false,
    };
  }

  /** When the certificate in use expires. */
  get notAfter(): Date {
    return this.current.notAfter;
  }

  /** Starts polling the files for `server`, until it closes. */
  attach(server: TlsServer): void {
    this.server = server;
    this.report();
    this.timer = setInterval(() => void this.check(), this.options.reloadIntervalMs);
    this.timer.unref();
    server.once('close', () => this.detach());
  }

  /** Stops polling and withdraws the expiry from the metrics. */
  detach(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    withdrawTlsCertificates(this);
  }

  /** Reads the files once; applies new content that validates. */
  async check(): Promise<void> {
    if (this.checking || this.server === undefined) return;
    this.checking = true;
    try {
      await this.reload(this.server);
    } catch (error) {
      // Whatever else goes wrong while reloading, the process keeps serving the old material.
      const code = (error as { code?: string } | null)?.code ?? 'error';
      this.refuse(
        `unexpected:${code}`,
        new MaterialError(
          'certificate',
          this.options.settings.certFile,
          `could not be loaded (${code})`,
        ),
      );
    } finally {
      this.checking = false;
    }
  }

  private async reload(server: TlsServer): Promise<void> {
    const { options } = this;
    const read = async (file: MaterialFile, setting: string, path: string) => {
      try {
        return await readFile(path, 'utf8');
      } catch (error) {
        throw readFailure(file, setting, path, error);
      }
    };
    let texts: Texts;
    try {
      texts = {
        cert: await read('certificate', options.settings.certFile, options.certFile),
        key: await read('key', options.settings.keyFile, options.keyFile),
        ca:
          options.clientCaFile === undefined
            ? undefined
            : await read('client_ca', options.settings.clientCaFile, options.clientCaFile),
      };
    } catch (error) {
      if (!(error instanceof MaterialError)) throw error;
      this.refuse(`unreadable:${error.setting}:${error.message}`, error);
      return;
    }
    const current = this.current;
    if (texts.cert === current.cert && texts.key === current.key && texts.ca === current.ca) {
      this.refused = undefined;
      return;
    }
    const signature = `${texts.cert}\0${texts.key}\0${texts.ca ?? ''}`;
    let loaded: Loaded;
    try {
      loaded = validate(texts, options);
    } catch (error) {
      if (!(error instanceof MaterialError)) throw error;
      this.refuse(signature, error);
      return;
    }
    server.setSecureContext(contextOptions(loaded));
    this.current = loaded;
    this.refused = undefined;
    this.report();
    this.logger.log({
      msg: 'TLS material reloaded; new handshakes use it',
      certificateNotAfter: loaded.notAfter.toISOString(),
      ...(loaded.caNotAfter === undefined
        ? {}
        : { clientCaNotAfter: loaded.caNotAfter.toISOString() }),
    });
  }

  /** Counts and logs a refused replacement once per distinct content, not on every poll. */
  private refuse(signature: string, error: MaterialError): void {
    if (this.refused === signature) return;
    this.refused = signature;
    countTlsReloadFailure(error.file);
    this.logger.error({
      msg: 'TLS material refused; the previous certificate and key stay in use',
      file: error.file,
      reason: `${error.setting}: ${error.message}`,
    });
  }

  private report(): void {
    const statuses: TlsCertificateStatus[] = [
      { certificate: 'server', notAfter: this.current.notAfter },
    ];
    if (this.current.caNotAfter !== undefined) {
      statuses.push({ certificate: 'client_ca', notAfter: this.current.caNotAfter });
    }
    reportTlsCertificates(this, statuses);
  }
}
