import type { Principal } from '@bulwark/core';
import { ProblemException } from '@bulwark/core';
import { describe, expect, it } from 'vitest';
import type { AuthorizationContext } from './authorization-requirement.interface.js';
import {
  allPolicies,
  anyPolicy,
  definePolicy,
  ownerPolicy,
  policyName,
  rolePolicy,
  tenantPolicy,
} from './policies.js';
import { scopeList, scopeQuery } from './query-scope.js';

const principal = (sub: string, extra: Partial<Principal> = {}): Principal => ({
  id: `https://idp|${sub}`,
  issuer: 'https://idp',
  subject: sub,
  clientId: undefined,
  scopes: [],
  roles: [],
  claims: {},
  expiresAt: new Date(0),
  ...extra,
});
const context = {} as AuthorizationContext;
const note = { ownerId: 'https://idp|alice', tenantId: 'acme' };

describe('built-in policies', () => {
  it('owner compares the full iss|sub id, never the bare sub', () => {
    const owner = ownerPolicy();
    expect(owner(principal('alice'), 'read', note, context)).toBe('allow');
    expect(owner(principal('bob'), 'read', note, context)).toBe('deny');
    const sameSubOtherIssuer = { ...principal('alice'), id: 'https://evil|alice' };
    expect(owner(sameSubOtherIssuer, 'read', note, context)).toBe('deny');
    expect(owner(principal('alice'), 'read', { ownerId: ['https://idp|alice'] }, context)).toBe(
      'deny',
    );
    expect(owner(principal('alice'), 'read', Object.create(note), context)).toBe('deny');
  });

  it('tenant needs a non-empty string claim equal to the field', () => {
    const tenant = tenantPolicy();
    const withTenant = (value: unknown) => principal('a', { claims: { tenant_id: value } });
    expect(tenant(withTenant('acme'), 'read', note, context)).toBe('allow');
    expect(tenant(withTenant('globex'), 'read', note, context)).toBe('deny');
    expect(tenant(withTenant(['acme']), 'read', note, context)).toBe('deny');
    expect(tenant(principal('a'), 'read', { tenantId: undefined }, context)).toBe('deny');
  });

  it('role override honours only string roles and the listed actions', () => {
    const admin = rolePolicy('admin', { actions: ['read'] });
    expect(admin(principal('r', { roles: ['admin'] }), 'read', note, context)).toBe('allow');
    expect(admin(principal('r', { roles: ['admin'] }), 'delete', note, context)).toBe('deny');
    expect(admin(principal('r', { roles: 'admin' as never }), 'read', note, context)).toBe('deny');
  });

  it('combines with any / all, and names the combination', async () => {
    const either = anyPolicy(ownerPolicy(), rolePolicy('admin'));
    const both = allPolicies(ownerPolicy(), tenantPolicy());
    expect(await either(principal('bob', { roles: ['admin'] }), 'read', note, context)).toBe(
      'allow',
    );
    expect(await either(principal('bob'), 'read', note, context)).toBe('deny');
    const alice = principal('alice', { claims: { tenant_id: 'globex' } });
    expect(await both(alice, 'read', note, context)).toBe('deny');
    expect(await allPolicies()(alice, 'read', note, context)).toBe('deny');
    expect(policyName(either)).toBe('any(owner(ownerId), role(admin))');
    expect(policyName(definePolicy('published', () => true))).toBe('published');
  });

  it('lets a throwing member propagate, so the guard denies', async () => {
    const broken = anyPolicy(() => {
      throw new Error('boom');
    });
    await expect(broken(principal('a'), 'read', note, context)).rejects.toThrow('boom');
  });
});

describe('query scoping', () => {
  it('builds the owner and tenant filter', () => {
    const alice = principal('alice', { claims: { tenant_id: 'acme' } });
    expect(
      scopeQuery(alice, { owner: 'ownerId', tenant: { claim: 'tenant_id', field: 'tenantId' } }),
    ).toEqual({ ownerId: 'https://idp|alice', tenantId: 'acme' });
  });

  it('denies a list when the tenant claim is missing, and refuses an empty scope', () => {
    expect(() =>
      scopeQuery(principal('a'), { tenant: { claim: 'tenant_id', field: 't' } }),
    ).toThrow(ProblemException);
    expect(() => scopeQuery(principal('a'), {})).toThrow(
      'scopeQuery() needs an owner field, a tenant, or both; an empty scope would list everything',
    );
  });

  it('filters a list to the caller’s objects', () => {
    const items = [note, { ownerId: 'https://idp|bob' }, Object.create(note)];
    expect(scopeList(principal('alice'), items, { owner: 'ownerId' })).toEqual([note]);
  });
});
