import type { CheckContext } from '../context.js';
import { findLeaks } from '../leaks.js';

/** Scans every body the suite received for stack frames, paths and raw runtime errors. */
export function runLeakChecks(ctx: CheckContext): void {
  const seen = new Set<string>();
  let leaky = 0;
  for (const answer of ctx.http.answers) {
    const found = findLeaks(answer.text);
    if (found.length === 0 || seen.has(answer.request)) continue;
    seen.add(answer.request);
    leaky += 1;
    ctx.check(
      'leaks',
      `${answer.status} ${answer.request}`,
      'the body carries no stack, path or runtime error',
      found.map((f) => `${f.kind}: ${f.excerpt}`),
      answer.request,
    );
  }
  if (leaky === 0) {
    ctx.check(
      'leaks',
      'all-answers',
      `no stack, path or runtime error in ${ctx.http.answers.length} answers`,
      [],
    );
  }
}
