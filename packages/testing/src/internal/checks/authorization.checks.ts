import type { ConformanceMethod } from '../../conformance-hints.interface.js';
import { statusFaults } from '../assertions.js';
import type { CheckContext } from '../context.js';
import { type Answer, describeAnswer, jsonOf } from '../http-client.js';

const ok = (answer: Answer) => answer.status >= 200 && answer.status < 300;

function resourcePath(
  template: string | undefined,
  created: Answer,
  base: string,
): string | undefined {
  const location = created.headers.get('location');
  const body = jsonOf(created);
  const id =
    typeof body?.id === 'string' || typeof body?.id === 'number' ? String(body.id) : undefined;
  if (template && id) return template.replace(/:id\b|\{id\}/, encodeURIComponent(id));
  if (location) return location.startsWith(base) ? location.slice(base.length) : location;
  return undefined;
}

/**
 * OWASP API1 (BOLA): the owner creates an object; another user with the same scopes must get
 * the denial status for GET, PATCH and DELETE, and the object must be unchanged afterwards.
 */
export async function runBolaChecks(ctx: CheckContext, baseUrl: string): Promise<void> {
  const hint = ctx.hints.resource;
  if (!hint) return ctx.skip('bola', 'all', 'object-level authorization', 'no resource hint');
  const denial = ctx.hints.denialStatus ?? 404;
  const owner = ctx.token(hint.owner);
  const intruder = ctx.token(hint.intruder);
  const created = await ctx.http.send(hint.create.path, {
    method: hint.create.method ?? 'POST',
    token: owner,
    body: hint.create.body,
  });
  const path = ok(created) ? resourcePath(hint.path, created, baseUrl) : undefined;
  if (
    !ctx.check(
      'bola',
      'create',
      'the owner creates a resource (control)',
      path ? [] : [`no resource: ${describeAnswer(created)}`],
      created.request,
    ) ||
    !path
  ) {
    return;
  }
  const before = await ctx.http.send(path, { token: owner });
  ctx.check(
    'bola',
    'owner-read',
    'the owner reads it (control)',
    statusFaults(before, 200),
    before.request,
  );

  const probes: [ConformanceMethod, unknown][] = [['GET', undefined]];
  if (hint.update !== false) probes.push(['PATCH', hint.update ?? hint.create.body]);
  if (hint.delete !== false) probes.push(['DELETE', undefined]);
  for (const [method, body] of probes) {
    const answer = await ctx.http.send(path, { method, token: intruder, body });
    ctx.check(
      'bola',
      `intruder-${method.toLowerCase()}`,
      `another user's ${method} is denied with ${denial}`,
      statusFaults(answer, denial),
      answer.request,
    );
  }
  const anonymous = await ctx.http.send(path);
  ctx.check(
    'bola',
    'anonymous',
    'an anonymous read gets 401',
    statusFaults(anonymous, 401),
    anonymous.request,
  );

  const after = await ctx.http.send(path, { token: owner });
  ctx.check(
    'bola',
    'unchanged',
    "the owner's object is unchanged after the probes",
    [...statusFaults(after, 200), ...(after.text === before.text ? [] : ['the body changed'])],
    after.request,
  );
}

/**
 * OWASP API5 (BFLA): an ordinary user gets 403/404 on the admin route, also when the admin
 * role is smuggled with the wrong type or in a look-alike claim; an admin gets in.
 */
export async function runBflaChecks(ctx: CheckContext): Promise<void> {
  const hint = ctx.hints.admin;
  if (!hint) return ctx.skip('bfla', 'all', 'function-level authorization', 'no admin hint');
  const method = hint.method ?? 'GET';
  const role = hint.role ?? 'admin';
  const roleClaim = hint.roleClaim ?? 'roles';
  const send = (claims: Record<string, unknown> | undefined) =>
    ctx.http.send(hint.path, { method, token: claims ? ctx.token(claims) : undefined });

  if (hint.admin) {
    const admin = await send(hint.admin);
    ctx.check(
      'bfla',
      'admin',
      'an admin is let in (control)',
      ok(admin) ? [] : [describeAnswer(admin)],
      admin.request,
    );
  }
  const anonymous = await send(undefined);
  ctx.check(
    'bfla',
    'anonymous',
    'an anonymous call gets 401',
    statusFaults(anonymous, 401),
    anonymous.request,
  );
  const user = await send(hint.user);
  ctx.check(
    'bfla',
    'user',
    'an ordinary user is refused (403 or 404)',
    statusFaults(user, [403, 404]),
    user.request,
  );

  const smuggled: [string, Record<string, unknown>][] = [
    ['role-as-string', { [roleClaim]: role }],
    ['role-as-object', { [roleClaim]: { [role]: true } }],
  ];
  for (const lookalike of ['role', 'groups', 'authorities', 'admin']) {
    if (lookalike !== roleClaim)
      smuggled.push([
        `role-in-${lookalike}`,
        { [lookalike]: lookalike === 'admin' ? true : [role] },
      ]);
  }
  for (const [id, claims] of smuggled) {
    const answer = await send({ ...hint.user, ...claims });
    ctx.check(
      'bfla',
      id,
      `an admin role ${id.replaceAll('-', ' ')} is not honoured`,
      statusFaults(answer, [403, 404]),
      answer.request,
    );
  }
}
