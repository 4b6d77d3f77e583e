import { packagesLoadedBy } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
const strictPipe = 'const pipe = new lib.StrictValidationPipe()';

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
