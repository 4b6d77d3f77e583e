/**
 * The route inventory: every route with its authentication, requirements, policy, body and rate
 * limit, built from a Nest application (`buildRouteInventory`) and printed as a table or JSON, as
 * the `bulwark-routes` CLI does.
 *
 * @packageDocumentation
 */
export type { RouteInventoryEntry, RouteInventoryOptions } from '../route-inventory.js';
export {
  buildRouteInventory,
  formatRouteInventory,
  formatRouteInventoryJson,
} from '../route-inventory.js';
