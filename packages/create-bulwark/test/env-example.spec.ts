import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './support/cli.js';

/*
 * `--redis` replaces the whole `.env.example`, so the two copies drifted: the Redis one lacked
 * the DPoP, client, messaging and secrets variables added to the default one. Both must name
 * the same variables, and the service README must document each of them.
 */
const template = (path: string) => readFileSync(join(REPO, 'templates/service', path), 'utf8');

function variables(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)) names.add(match[1] as string);
  return [...names].sort();
}

describe('the generated .env.example', () => {
  const base = template('_env.example');
  const redis = template('_variants/redis/_env.example');

  it('names the same variables with --redis as without', () => {
    expect(variables(redis)).toEqual(variables(base));
  });

  it('sets REDIS_URL with --redis, and leaves it commented out without', () => {
    expect(redis).toMatch(/^REDIS_URL=redis:/m);
    expect(base).not.toMatch(/^REDIS_URL=/m);
  });

  it('lists only variables the service README documents', () => {
    const readme = template('README.md');
    const undocumented = variables(base).filter((name) => !readme.includes(name));
    expect(undocumented).toEqual([]);
  });
});
