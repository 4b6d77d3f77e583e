import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestCa } from './test-ca.js';
import { TestingError } from './testing.error.js';

const ca = createTestCa();
afterAll(() => ca.close());

interface Handshake {
  authorized: boolean;
  error: string | undefined;
}

/** A real handshake on loopback: what the server concluded about the client certificate. */
async function handshake(
  serverCa: string,
  client?: { cert: string; key: string },
): Promise<Handshake> {
  const server = ca.issueServer();
  const tlsServer: Server = createServer({
    key: server.key,
    cert: server.cert,
    ca: serverCa,
    requestCert: true,
    rejectUnauthorized: false,
  });
  const seen = new Promise<Handshake>((resolve) => {
    tlsServer.once('secureConnection', (socket: TLSSocket) => {
      resolve({
        authorized: socket.authorized,
        error: socket.authorizationError?.toString(),
      });
      socket.end();
    });
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const { port } = tlsServer.address() as { port: number };
  const socket = connect({ port, host: '127.0.0.1', ca: ca.certificate, ...client });
  socket.on('error', () => undefined);
  const result = await seen;
  socket.destroy();
  await new Promise((resolve) => tlsServer.close(resolve));
  return result;
}

describe('createTestCa', () => {
  it('issues a server certificate the client verifies for 127.0.0.1 and a client certificate the server verifies', async () => {
    const client = ca.issueClient({ spiffeId: ca.spiffeId('orders', 'orders') });
    expect(await handshake(ca.certificate, client)).toEqual({ authorized: true, error: undefined });
    const x509 = new X509Certificate(client.cert);
    expect(x509.subjectAltName).toBe('URI:spiffe://cluster.local/ns/orders/sa/orders');
    expect(x509.fingerprint256.replaceAll(':', '').toLowerCase()).toBe(client.fingerprintSha256);
    expect(Buffer.from(client.thumbprint, 'base64url').toString('hex')).toBe(
      client.fingerprintSha256,
    );
    expect(existsSync(client.certFile) && existsSync(client.keyFile)).toBe(true);
  });

  it('issues an expired client certificate with days: 0', async () => {
    const expired = ca.issueClient({ days: 0 });
    expect(new Date(new X509Certificate(expired.cert).validTo).getTime()).toBeLessThan(Date.now());
    expect(await handshake(ca.certificate, expired)).toEqual({
      authorized: false,
      error: 'CERT_HAS_EXPIRED',
    });
  });

  it('rotates: certificates issued before no longer chain to the new CA', async () => {
    const other = createTestCa();
    try {
      const before = other.issueClient();
      const oldCa = other.certificate;
      other.rotate();
      expect(other.certificate).not.toBe(oldCa);
      const after = other.issueClient();
      expect((await handshake(other.certificate, before)).authorized).toBe(false);
      expect((await handshake(other.certificate, after)).authorized).toBe(true);
      expect((await handshake(oldCa, after)).authorized).toBe(false);
    } finally {
      other.close();
    }
    expect(existsSync(other.dir)).toBe(false);
  });

  it('issues a server certificate that is also a client certificate with both usages', async () => {
    const serverOnly = ca.issueServer();
    const workload = ca.issueServer({ extendedKeyUsage: ['serverAuth', 'clientAuth'] });
    expect(await handshake(ca.certificate, workload)).toEqual({
      authorized: true,
      error: undefined,
    });
    expect((await handshake(ca.certificate, serverOnly)).authorized).toBe(false);
    expect(() => ca.issueServer({ extendedKeyUsage: [] })).toThrow(
      new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        "extendedKeyUsage must list 'serverAuth' and/or 'clientAuth'",
      ),
    );
  });

  it('puts the organization before the common name in the subject, a comma included', () => {
    const issued = ca.issueClient({ commonName: 'orders', organization: 'Shop, Inc.' });
    expect(new X509Certificate(issued.cert).subject).toBe('O=Shop\\, Inc.\nCN=orders');
    expect(() => ca.issueClient({ organization: 'a/CN=x' })).toThrow(
      new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        'organization "a/CN=x" must be 1 to 64 letters, digits, ".", ",", "-", "_" or spaces',
      ),
    );
  });

  it('refuses SAN values that would change the extension syntax, naming the option', () => {
    expect(() => ca.issueClient({ dnsNames: ['a,DNS:b'] })).toThrow(
      new TestingError(
        'INVALID_CERTIFICATE_OPTIONS',
        'dnsNames "a,DNS:b" must be 1 to 255 characters without commas or spaces',
      ),
    );
    expect(() => ca.issueClient({ commonName: 'a/O=x' })).toThrow(
      'commonName "a/O=x" must be 1 to 64 letters, digits, ".", "-", "_" or spaces',
    );
  });
});
