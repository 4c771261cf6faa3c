/**
 * A stand-in for the vCD portal, used only by the portal-emulation test (tests/portal/): an
 * Angular app (compiled by each build's Angular: 15 as vCD 10.5's portal, 17 as 10.6's) that
 * registers the container hooks under `@vcd/common` in `window.System.registry`, provides their
 * values from its root injector, and lazy-loads the plugin's exported NgModule at the manifest's
 * top-level route and at its `navigation:primary` extension point's route, as the portal does.
 * Compiled ahead of time like the plugin, so the page never loads Angular's JIT compiler.
 */
import { Component, Inject, InjectionToken, Type, VERSION } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import { RouterOutlet, provideRouter, withHashLocation } from '@angular/router';

export interface PortalConfig {
  /** The manifest's top-level module and route, and the extension point's route (opened first). */
  module: string;
  route: string;
  pointRoute: string;
  /** Where the plugin's `bundle.js` lives. */
  bundleUrl: string;
  /** The hook values. */
  assetUrl: string;
  apiRoot: string;
  scope: string;
  orgName: string;
  orgId: string;
  token: string;
  /** Loads an AMD module by URL (the page's loader). */
  load(url: string): Promise<Record<string, unknown>>;
}

interface Registry {
  get(name: string): unknown;
  set(name: string, value: unknown): void;
}

const PORTAL = new InjectionToken<PortalConfig>('PORTAL');

@Component({
  selector: 'portal-root',
  standalone: true,
  imports: [RouterOutlet],
  template: `
    <header class="portal-header"><span class="portal-brand">Cloud Director</span>
      <span class="portal-org" id="portal-org">{{ config.orgName }} ({{ config.scope }})</span>
      <span class="portal-org" id="portal-angular">Angular {{ angular }}</span></header>
    <main class="portal-content" id="portal-content"><router-outlet></router-outlet></main>
  `,
})
export class PortalRootComponent {
  readonly angular = VERSION.full;
  constructor(@Inject(PORTAL) readonly config: PortalConfig) {}
}

/** The mutable token holder, so a test can renew the session token. */
export class AuthTokenHolderService {
  token = '';
}

/** The Angular major version this portal runs (the manifest version must fit it). */
export const angularMajor = Number(VERSION.major);

/** Registers the hooks, then bootstraps the portal with the plugin at its routes. */
export function startPortal(config: PortalConfig, registry: Registry): Promise<unknown> {
  const hooks = {
    API_ROOT_URL: new InjectionToken<string>('API_ROOT_URL'),
    FLEX_APP_URL: new InjectionToken<string>('FLEX_APP_URL'),
    SESSION_SCOPE: new InjectionToken<string>('SESSION_SCOPE'),
    SESSION_ORGANIZATION: new InjectionToken<string>('SESSION_ORGANIZATION'),
    SESSION_ORG_ID: new InjectionToken<string>('SESSION_ORG_ID'),
    EXTENSION_ASSET_URL: new InjectionToken<string>('EXTENSION_ASSET_URL'),
    EXTENSION_ROUTE: new InjectionToken<string>('EXTENSION_ROUTE'),
    SDK_MODE: new InjectionToken<boolean>('SDK_MODE'),
    AuthTokenHolderService,
  };
  registry.set('@vcd/common', hooks);
  const holder = new AuthTokenHolderService();
  holder.token = config.token;
  (window as unknown as { __portalTokenHolder: AuthTokenHolderService }).__portalTokenHolder = holder;
  const loadPlugin = (): Promise<Type<unknown>> =>
    config.load(config.bundleUrl).then((exports) => {
      const module = exports[config.module];
      if (typeof module !== 'function') {
        throw new Error(`bundle.js does not export ${config.module}`);
      }
      return module as Type<unknown>;
    });
  return bootstrapApplication(PortalRootComponent, {
    providers: [
      { provide: PORTAL, useValue: config },
      { provide: hooks.API_ROOT_URL, useValue: config.apiRoot },
      { provide: hooks.FLEX_APP_URL, useValue: config.apiRoot },
      { provide: hooks.SESSION_SCOPE, useValue: config.scope },
      { provide: hooks.SESSION_ORGANIZATION, useValue: config.orgName },
      { provide: hooks.SESSION_ORG_ID, useValue: config.orgId },
      { provide: hooks.EXTENSION_ASSET_URL, useValue: config.assetUrl },
      { provide: hooks.EXTENSION_ROUTE, useValue: config.route },
      { provide: hooks.SDK_MODE, useValue: false },
      { provide: AuthTokenHolderService, useValue: holder },
      provideRouter(
        [
          { path: config.route, loadChildren: loadPlugin },
          { path: config.pointRoute, loadChildren: loadPlugin },
          { path: '', pathMatch: 'full', redirectTo: config.pointRoute },
        ],
        withHashLocation(),
      ),
    ],
  });
}
