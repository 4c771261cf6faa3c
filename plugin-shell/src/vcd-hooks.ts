/**
 * The portal's container hooks: the Angular injection tokens through which vCD hands a plugin
 * the session (API root, scope, org, token, asset URL).
 *
 * The portal registers them in its SystemJS registry under `@vcd/common` (older portals:
 * `@vcd-ui/common`); the official SDK (`@vcd/sdk`, `container-hooks.ts`) reads them from there
 * the same way. Reading at runtime, rather than importing `@vcd/common` as an AMD dependency,
 * keeps this bundle loadable by a portal that registers the hooks but does not also expose
 * them as a module.
 */
export interface VcdHooks {
  API_ROOT_URL?: unknown;
  SESSION_SCOPE?: unknown;
  SESSION_ORGANIZATION?: unknown;
  SESSION_ORG_ID?: unknown;
  EXTENSION_ASSET_URL?: unknown;
  /** A class used as a DI token; the instance has `token` (and on newer portals `jwt`). */
  AuthTokenHolderService?: unknown;
}

/** What `AuthTokenHolderService` gives. */
export interface TokenHolder {
  token?: string;
  jwt?: string;
}

interface Registry {
  get(name: string): unknown;
}

/** The hooks from `window.System.registry`, or an error naming what is missing. */
export function vcdHooks(): VcdHooks {
  const system = (window as unknown as { System?: { registry?: Registry } }).System;
  const registry = system?.registry;
  if (!registry || typeof registry.get !== 'function') {
    throw new Error('Stratus: no SystemJS registry (window.System.registry); is this the vCD portal?');
  }
  const hooks = registry.get('@vcd/common') ?? registry.get('@vcd-ui/common');
  if (!hooks || typeof hooks !== 'object') {
    throw new Error('Stratus: the vCD container hooks (@vcd/common) are not in the SystemJS registry');
  }
  return hooks as VcdHooks;
}
