import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createServiceClient,
  ServiceCallError,
  type ServiceClient,
  type ServiceClientOptions,
} from '../src/index.js';
import { type Downstream, json, startDownstream } from './support/downstream.js';

const cleanup: Array<() => Promise<void>> = [];
let attacker: Downstream;
let service: Downstream;

beforeEach(async () => {
  attacker = await startDownstream((_, response) => json(response, 200, { stolen: true }));
  service = await startDownstream((request, response) => {
    if (request.path.startsWith('/v1/redirect-away')) {
      response.writeHead(302, { location: `${attacker.url}/collect` }).end();
      return;
    }
    if (request.path.startsWith('/v1/loop')) {
      response.writeHead(302, { location: '/v1/loop' }).end();
      return;
    }
    if (request.path.startsWith('/v1/redirect-here')) {
      response.writeHead(307, { location: '/v1/landed' }).end();
      return;
    }
    json(response, 200, { path: request.path });
  });
  cleanup.push(
    () => attacker.close(),
    () => service.close(),
  );
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function client(options: Partial<ServiceClientOptions> = {}): Promise<ServiceClient> {
  const created = await createServiceClient({
    name: 'orders',
    baseUrl: `${service.url}/v1/`,
    env: {},
    retry: { attempts: 0 },
    ...options,
  });
  cleanup.push(() => created.close());
  return created;
}

async function refusal(call: Promise<unknown>): Promise<ServiceCallError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ServiceCallError);
  return error as ServiceCallError;
}

describe('a client bound to its baseUrl', () => {
  it.each([
    ['an absolute URL', (port: number) => `http://127.0.0.1:${port}/collect`],
    ['a protocol-relative URL', (port: number) => `//127.0.0.1:${port}/collect`],
    ['backslashes', (port: number) => `\\\\127.0.0.1:${port}\\collect`],
    ['encoded dots climbing out', () => '%2e%2e/%2e%2e/collect'],
    ['dot segments climbing out', () => '../../collect'],
  ])('refuses %s before sending, and the attacker is never hit', async (_, path) => {
    const orders = await client();
    const error = await refusal(orders.get(path(attacker.port)));
    expect(error.code).toBe('destination_refused');
    expect(error.getStatus()).toBe(502);
    expect(attacker.hits).toBe(0);
    expect(service.hits).toBe(0);
  });

  it('keeps a path with @ on its own host', async () => {
    const orders = await client();
    expect(await orders.get(`@127.0.0.1:${attacker.port}/collect`)).toEqual({
      path: `/v1/@127.0.0.1:${attacker.port}/collect`,
    });
    expect(attacker.hits).toBe(0);
  });

  it('does not follow redirects by default', async () => {
    const orders = await client();
    const error = await refusal(orders.get('/redirect-away'));
    expect(error.code).toBe('redirect_refused');
    expect(error.downstreamStatus).toBe(302);
    expect(attacker.hits).toBe(0);
  });

  it('follows a same-origin redirect when allowed, and refuses one to another origin', async () => {
    const orders = await client({ followRedirects: true });
    expect(await orders.get('/redirect-here')).toEqual({ path: '/v1/landed' });
    const error = await refusal(orders.get('/redirect-away'));
    expect(error.code).toBe('redirect_refused');
    expect(attacker.hits).toBe(0);
  });
});

describe('redirect limit', () => {
  it('follows at most 5 same-origin redirects', async () => {
    const orders = await client({ followRedirects: true });
    const error = await refusal(orders.get('/loop'));
    expect(error.code).toBe('redirect_refused');
    expect(error.message).toBe('orders: more than 5 redirects');
    expect(service.hits).toBe(6);
  });
});

describe('allowDynamicHosts', () => {
  it.each([
    ['loopback', (port: number) => `http://127.0.0.1:${port}/collect`],
    ['loopback in decimal', (port: number) => `http://2130706433:${port}/collect`],
    ['loopback in octal', (port: number) => `http://0177.0.0.1:${port}/collect`],
    ['IPv4-mapped IPv6 loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/collect`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata address in decimal', () => 'http://2852039166/latest/meta-data/'],
    ['the metadata address as IPv4-mapped IPv6', () => 'http://[::ffff:169.254.169.254]/latest/'],
    ['the AWS IPv6 metadata address', () => 'http://[fd00:ec2::254]/latest/'],
    // 0.0.0.0 and :: reach this host's listeners on Linux.
    ['0.0.0.0', (port: number) => `http://0.0.0.0:${port}/collect`],
    ['0.0.0.0 written as 0', (port: number) => `http://0:${port}/collect`],
    ['the IPv6 unspecified address', (port: number) => `http://[::]:${port}/collect`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/collect`],
    ['IPv4-mapped loopback in hex', (port: number) => `http://[::ffff:7f00:1]:${port}/collect`],
    ['loopback in hex', (port: number) => `http://0x7f.0.0.1:${port}/collect`],
    ['loopback with a trailing dot', (port: number) => `http://127.0.0.1.:${port}/collect`],
  ])('refuses %s at connect time, and the attacker is never hit', async (_, url) => {
    const hooks = await client({ allowDynamicHosts: { schemes: ['http'] } });
    const error = await refusal(hooks.post(url(attacker.port), { event: 'x' }));
    expect(error.code).toBe('destination_refused');
    expect(attacker.hits).toBe(0);
  });

  it('refuses a scheme or host outside the allow-list without resolving it', async () => {
    const lookups: string[] = [];
    const hooks = await client({
      allowDynamicHosts: {
        hosts: ['*.partner.example'],
        resolve: async (host) => {
          lookups.push(host);
          return ['93.184.215.14'];
        },
      },
    });
    expect((await refusal(hooks.get('http://a.partner.example/x'))).code).toBe(
      'destination_refused',
    );
    expect((await refusal(hooks.get('https://evil.example/x'))).code).toBe('destination_refused');
    expect((await refusal(hooks.get('https://user:pw@a.partner.example/x'))).code).toBe(
      'destination_refused',
    );
    expect(lookups).toEqual([]);
  });

  it('refuses a name whose answers include a private address', async () => {
    const hooks = await client({
      allowDynamicHosts: {
        schemes: ['http'],
        resolve: async () => ['93.184.215.14', '127.0.0.1'],
      },
    });
    const error = await refusal(hooks.get(`http://hooks.partner.example:${attacker.port}/x`));
    expect(error.message).toBe(
      'orders: refused at connect: hooks.partner.example resolves to 127.0.0.1, which is not allowed',
    );
    expect(attacker.hits).toBe(0);
  });

  it('connects to the address it checked, so DNS rebinding cannot switch it to the attacker', async () => {
    // The partner's server is on 127.0.0.2, allowed for this test; the attacker is on 127.0.0.1.
    const partner = await startDownstream(
      (_, response) => json(response, 200, { partner: true }, { connection: 'close' }),
      { host: '127.0.0.2' },
    );
    // The attacker's server listens at the same port on 127.0.0.1, where the name rebinds to.
    const rebinding = await startDownstream(
      (_, response) => json(response, 200, { stolen: true }),
      {
        port: partner.port,
      },
    );
    cleanup.push(
      () => partner.close(),
      () => rebinding.close(),
    );
    const answers = ['127.0.0.2', '127.0.0.1'];
    const lookups: string[] = [];
    const hooks = await client({
      allowDynamicHosts: {
        schemes: ['http'],
        allowNetworks: ['127.0.0.2/32'],
        resolve: async (host) => {
          lookups.push(host);
          return [answers.shift() ?? '127.0.0.1'];
        },
      },
    });
    expect(await hooks.get(`http://hooks.partner.example:${partner.port}/event`)).toEqual({
      partner: true,
    });
    const error = await refusal(hooks.get(`http://hooks.partner.example:${partner.port}/event`));
    expect(error.code).toBe('destination_refused');
    expect(lookups).toEqual(['hooks.partner.example', 'hooks.partner.example']);
    expect(partner.hits).toBe(1);
    expect(rebinding.hits).toBe(0);
  });

  it('refuses an IPv6 literal with a zone id before resolving or connecting', async () => {
    const lookups: string[] = [];
    const hooks = await client({
      allowDynamicHosts: {
        schemes: ['http'],
        resolve: async (host) => {
          lookups.push(host);
          return ['93.184.215.14'];
        },
      },
    });
    for (const url of [
      `http://[fe80::1%25lo]:${attacker.port}/collect`,
      `http://[::1%25lo]:${attacker.port}/collect`,
    ]) {
      expect((await refusal(hooks.get(url))).code).toBe('destination_refused');
    }
    expect(lookups).toEqual([]);
    expect(attacker.hits).toBe(0);
  });

  it('checks the address again on every redirect hop that opens a connection', async () => {
    // The partner (127.0.0.2, allowed) redirects on the same origin and closes the connection,
    // so the next hop connects again; by then the name rebinds to the attacker on 127.0.0.1.
    const partner = await startDownstream(
      (request, response) => {
        response.writeHead(302, { location: '/second', connection: 'close' }).end();
        void request;
      },
      { host: '127.0.0.2' },
    );
    const rebinding = await startDownstream(
      (_, response) => json(response, 200, { stolen: true }),
      {
        port: partner.port,
      },
    );
    cleanup.push(
      () => partner.close(),
      () => rebinding.close(),
    );
    const answers = ['127.0.0.2', '127.0.0.1'];
    const hooks = await client({
      followRedirects: true,
      allowDynamicHosts: {
        schemes: ['http'],
        allowNetworks: ['127.0.0.2/32'],
        resolve: async () => [answers.shift() ?? '127.0.0.1'],
      },
    });
    const error = await refusal(hooks.get(`http://hooks.partner.example:${partner.port}/first`));
    expect(error.code).toBe('destination_refused');
    expect(partner.hits).toBe(1);
    expect(rebinding.hits).toBe(0);
  });

  it('refuses a redirect from an allowed host to the metadata address', async () => {
    const partner = await startDownstream(
      (_, response) =>
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end(),
      { host: '127.0.0.2' },
    );
    cleanup.push(() => partner.close());
    const hooks = await client({
      followRedirects: true,
      allowDynamicHosts: {
        schemes: ['http'],
        allowNetworks: ['127.0.0.2/32'],
        resolve: async () => ['127.0.0.2'],
      },
    });
    const error = await refusal(hooks.get(`http://hooks.partner.example:${partner.port}/x`));
    expect(error.code).toBe('redirect_refused');
    expect(partner.hits).toBe(1);
  });

  it('needs auth none: a token never goes to a host it was not issued for', async () => {
    await expect(
      createServiceClient({
        name: 'hooks',
        baseUrl: service.url,
        audience: 'https://orders.test',
        auth: { kind: 'propagate' },
        allowDynamicHosts: {},
        env: {},
      }),
    ).rejects.toThrow(
      'allowDynamicHosts: needs auth kind "none": a token never goes to a host it was not issued for',
    );
  });
});
