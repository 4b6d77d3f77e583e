import { rawRequest } from '@bulwark/core/request';
import { AuthzError } from '../authz.error.js';

const RESOURCE = Symbol.for('bulwark.authz.resource');

interface Slot {
  readonly value: unknown;
}

/** Keeps the authorized object on the raw request, for `@LoadedResource()`. */
export function storeLoadedResource(request: unknown, value: unknown): void {
  (rawRequest(request) as unknown as Record<symbol, Slot>)[RESOURCE] = { value };
}

/** The authorized object; throws when the route has no `@Authorize()`. */
export function loadedResource(request: unknown): unknown {
  const slot = (rawRequest(request) as unknown as Record<symbol, Slot | undefined>)[RESOURCE];
  if (!slot) {
    throw new AuthzError(
      'AUTHZ_NO_LOADED_RESOURCE',
      '@LoadedResource() is used on a route without @Authorize(): declare the loader and policy',
    );
  }
  return slot.value;
}
