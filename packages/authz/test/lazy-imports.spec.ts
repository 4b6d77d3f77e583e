import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { packagesLoadedBy } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
// The pipe AuthzModule installs is @bulwark/errors' own; loaded after the authz entry point.
const errorsEntry = pathToFileURL(createRequire(import.meta.url).resolve('@bulwark/errors')).href;
const strictPipe = `const { StrictValidationPipe } = await import(${JSON.stringify(errorsEntry)}); const pipe = new StrictValidationPipe()`;

describe('what @bulwark/authz loads', () => {
  it('loads neither class-validator nor class-transformer before a DTO needs them', () => {
    const loaded = packagesLoadedBy(
      entry,
      `${strictPipe}; await pipe.transform('42', { type: 'param', metatype: String })`,
    );
    expect(loaded).toContain('reflect-metadata');
    expect(loaded).not.toContain('class-validator');
    expect(loaded).not.toContain('class-transformer');
  });

  it('loads them to validate a DTO, and still refuses unknown fields', () => {
    const loaded = packagesLoadedBy(
      entry,
      `${strictPipe}; class Dto {}
       const refused = await pipe.transform({ extra: 1 }, { type: 'body', metatype: Dto }).catch((e) => e);
       const errors = refused?.getResponse?.().errors;
       if (errors?.[0]?.field !== '(root)') throw new Error(\`not refused at the root: \${refused}\`)`,
    );
    expect(loaded).toEqual(expect.arrayContaining(['class-validator', 'class-transformer']));
  });
});
