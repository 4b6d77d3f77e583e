// `npm run token -- --sub alice --scope "notes:read notes:write" --role admin`
// Mints a development access token (RFC 9068, typ at+jwt) signed with the embedded dev issuer's
// key, kept in .bulwark/dev-issuer.json (git-ignored). Never use this outside development.
import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { signCompact } from '@bulwark/testing';

if (process.env.NODE_ENV === 'production') {
  console.error('token: refusing to mint a development token with NODE_ENV=production');
  process.exit(1);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string', default: 'alice' },
      scope: { type: 'string', default: 'notes:read notes:write' },
      role: { type: 'string', multiple: true, default: [] },
      ttl: { type: 'string', default: '3600' },
      audience: { type: 'string' },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`token: ${error.message}`);
  process.exit(2);
}
const ttl = Number(values.ttl);
if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > 86_400) {
  console.error('token: --ttl must be a number of seconds from 1 to 86400');
  process.exit(2);
}

const file = '.bulwark/dev-issuer.json';
if (!existsSync(file)) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mkdirSync('.bulwark', { recursive: true, mode: 0o700 });
  const state = {
    issuer: 'urn:bulwark:dev-issuer',
    audience: JSON.parse(readFileSync('package.json', 'utf8')).name,
    kid: randomUUID(),
    privateJwk: privateKey.export({ format: 'jwk' }),
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}
const state = JSON.parse(readFileSync(file, 'utf8'));
const key = createPrivateKey({ key: state.privateJwk, format: 'jwk' });
const now = Math.floor(Date.now() / 1000);
const token = signCompact(
  { alg: 'ES256', typ: 'at+jwt', kid: state.kid },
  {
    iss: state.issuer,
    aud: values.audience ?? state.audience,
    sub: values.sub,
    client_id: 'bulwark-dev',
    scope: values.scope,
    roles: values.role,
    iat: now,
    nbf: now,
    exp: now + ttl,
    jti: randomUUID(),
  },
  'ES256',
  key,
);
process.stdout.write(`${token}\n`);
