import { AfterViewInit, Component, ElementRef, Injector, NgZone, OnDestroy, ProviderToken, ViewChild } from '@angular/core';

import {
  PortalSession,
  absoluteApiRoot,
  currentToken,
  frameUrl,
  isReady,
  sessionMessage,
} from './session';
import { TokenHolder, VcdHooks, vcdHooks } from './vcd-hooks';

/** How often the shell looks for a renewed portal token. */
const TOKEN_CHECK_MS = 2000;

/**
 * The plugin's only view: an iframe with the Stratus app served from the plugin's own assets,
 * and the session handed to it by `postMessage`.
 */
@Component({
  selector: 'stratus-shell',
  template: '<iframe #frame class="stratus-frame" title="Stratus" id="stratus-frame"></iframe>',
  styles: [
    ':host { display: block; height: 100%; }',
    '.stratus-frame { display: block; width: 100%; height: calc(100vh - 110px); min-height: 520px; border: 0; }',
  ],
})
export class StratusShellComponent implements AfterViewInit, OnDestroy {
  @ViewChild('frame', { static: true }) frame!: ElementRef<HTMLIFrameElement>;

  private readonly hooks: VcdHooks;
  private targetOrigin = '';
  private postedToken = '';
  private timer: number | undefined;
  private readonly onMessage = (event: MessageEvent) => this.handleMessage(event);

  constructor(private readonly injector: Injector, private readonly zone: NgZone) {
    this.hooks = vcdHooks();
  }

  ngAfterViewInit(): void {
    const frame = this.frame.nativeElement;
    const url = frameUrl(this.value(this.hooks.EXTENSION_ASSET_URL, ''), window.location.href);
    this.targetOrigin = url.origin;
    // Messages and the token check need no change detection.
    this.zone.runOutsideAngular(() => {
      window.addEventListener('message', this.onMessage);
      frame.addEventListener('load', () => this.post());
      frame.src = url.href;
      this.timer = window.setInterval(() => {
        if (this.token() !== this.postedToken) {
          this.post();
        }
      }, TOKEN_CHECK_MS);
    });
  }

  ngOnDestroy(): void {
    window.removeEventListener('message', this.onMessage);
    if (this.timer !== undefined) {
      window.clearInterval(this.timer);
    }
  }

  private handleMessage(event: MessageEvent): void {
    const frame = this.frame.nativeElement;
    if (event.source !== frame.contentWindow || event.origin !== this.targetOrigin) {
      return;
    }
    if (isReady(event.data)) {
      this.post();
    }
  }

  /** Posts the session to the app; nothing while the portal has no token. */
  private post(): void {
    const target = this.frame.nativeElement.contentWindow;
    const token = this.token();
    if (!target || !token) {
      return;
    }
    target.postMessage(sessionMessage(token, this.session()), this.targetOrigin);
    this.postedToken = token;
  }

  private token(): string {
    return currentToken(this.value<TokenHolder | null>(this.hooks.AuthTokenHolderService, null));
  }

  private session(): PortalSession {
    return {
      scope: this.value(this.hooks.SESSION_SCOPE, 'tenant'),
      orgName: this.value(this.hooks.SESSION_ORGANIZATION, ''),
      orgId: this.value(this.hooks.SESSION_ORG_ID, ''),
      apiRoot: absoluteApiRoot(this.value(this.hooks.API_ROOT_URL, ''), window.location.href),
    };
  }

  /** The value the portal provides for `token`, or `fallback` (also for a hook this portal lacks). */
  private value<T>(token: unknown, fallback: T): T {
    if (!token) {
      return fallback;
    }
    return this.injector.get(token as ProviderToken<T>, fallback) ?? fallback;
  }
}
