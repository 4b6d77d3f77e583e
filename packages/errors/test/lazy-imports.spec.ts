import { packagesLoadedBy } from '@bulwark/test-harness';
import { describe, expect, it } from 'vitest';

const entry = new URL('../dist/index.js', import.meta.url).href;
const pipe = 'const pipe = new lib.StrictValidationPipe()';

describe('what the validation pipe of @bulwark/errors loads', () => {
  it('transforms a primitive parameter without loading class-validator or class-transformer', () => {
    const loaded = packagesLoadedBy(
      entry,
      `${pipe}; const id = await pipe.transform('42', { type: 'param', metatype: Number, data: 'id' });
       if (id !== 42) throw new Error('the parameter was not transformed')`,
    );
    expect(loaded).toContain('reflect-metadata');
    expect(loaded).not.toContain('class-validator');
    expect(loaded).not.toContain('class-transformer');
  });

  it('loads them for the first DTO, and answers a validation-failed problem (not a crash) for a DTO without rules', () => {
    const loaded = packagesLoadedBy(
      entry,
      `${pipe}; class Dto {}
       const refused = await pipe.transform({ extra: 1 }, { type: 'body', metatype: Dto }).catch((e) => e);
       if (!refused?.getResponse?.().type?.endsWith('validation-failed'))
         throw new Error(\`not a validation-failed problem: \${refused}\`)`,
    );
    expect(loaded).toEqual(expect.arrayContaining(['class-validator', 'class-transformer']));
  });
});
