/**
 * The messages between this shell and the Stratus app in its iframe (plain functions, no Angular).
 *
 * 1. The app, once it listens, posts `{type: "stratus:ready"}` to the parent origin it was
 *    given in its URL (`?parentOrigin=`).
 * 2. The shell answers, and posts again whenever the portal's token changes:
 *    `{type: "stratus:session", token, scope, orgName, orgId, apiRoot}`, with the iframe's
 *    origin as the target origin. The app checks the sender's origin and keeps the token in
 *    memory only.
 */
import type { TokenHolder } from './vcd-hooks';

export const READY = 'stratus:ready';
export const SESSION = 'stratus:session';

export interface SessionMessage {
  type: typeof SESSION;
  /** The portal's session token: its JWT where the portal has one, else the legacy token. */
  token: string;
  /** `tenant` or `service-provider`. */
  scope: string;
  orgName: string;
  orgId: string;
  /** The vCD API root as an absolute URL without a trailing slash, e.g. `https://vcd.example.com`. */
  apiRoot: string;
}

export interface PortalSession {
  scope: string;
  orgName: string;
  orgId: string;
  apiRoot: string;
}

/** The credential the portal holds now: the JWT if there is one, else the legacy token. */
export function currentToken(holder: TokenHolder | null | undefined): string {
  if (!holder) {
    return '';
  }
  return (holder.jwt || holder.token || '').trim();
}

/** The iframe URL: `<asset URL>/index.html?parentOrigin=<this page's origin>`. */
export function frameUrl(assetUrl: string, pageHref: string): URL {
  const base = assetUrl.replace(/\/+$/, '');
  const url = new URL(`${base}/index.html`, pageHref);
  url.searchParams.set('parentOrigin', new URL(pageHref).origin);
  return url;
}

/** `apiRoot` as an absolute URL without a trailing slash (the portal may give a relative one). */
export function absoluteApiRoot(apiRoot: string, pageHref: string): string {
  const url = new URL(apiRoot || '/', pageHref);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

export function sessionMessage(token: string, session: PortalSession): SessionMessage {
  return { type: SESSION, token, ...session };
}

/** True for the app's `{type: "stratus:ready"}`. */
export function isReady(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === READY;
}
