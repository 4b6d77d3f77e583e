import { describe, expect, it } from 'vitest';
import { envBool, envInt, envList, envString, isProduction } from './env.js';

describe('env helpers', () => {
  const env = {
    PORT: '8080',
    BAD: 'eighty',
    FLAG: 'yes',
    LIST: ' a, b ,,c ',
    EMPTY: '  ',
    NODE_ENV: 'production',
  };

  it('reads and defaults integers', () => {
    expect(envInt('PORT', 3000, { env })).toBe(8080);
    expect(envInt('MISSING', 3000, { env })).toBe(3000);
    expect(envInt('EMPTY', 3000, { env })).toBe(3000);
  });

  it('names the variable when an integer is invalid, without echoing it', () => {
    expect(() => envInt('BAD', 1, { env, min: 1, max: 10 })).toThrow(
      'BAD: must be an integer from 1 to 10. Set BAD to such a number or unset it.',
    );
    expect(() => envInt('PORT', 1, { env, max: 10 })).toThrow(/^PORT: must be an integer/);
  });

  it('requires strings with a hint', () => {
    expect(() =>
      envString('AUTH_AUDIENCE', { required: true, hint: 'the API identifier', env }),
    ).toThrow('AUTH_AUDIENCE: is required: the API identifier. Set AUTH_AUDIENCE.');
    expect(envString('MISSING', { default: 'x', env })).toBe('x');
  });

  it('reads booleans and lists', () => {
    expect(envBool('FLAG', false, { env })).toBe(true);
    expect(() => envBool('PORT', false, { env })).toThrow('PORT: must be true or false.');
    expect(envList('LIST', [], { env })).toEqual(['a', 'b', 'c']);
    expect(isProduction(env)).toBe(true);
    expect(isProduction({})).toBe(false);
  });
});
