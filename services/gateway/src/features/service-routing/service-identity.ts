import { AppError } from '@nlyzer/service-kit';
import { decodeJwt } from 'jose';
import type { GatewayConfig } from '../../config.ts';

/**
 * Where Cloud Run looks for the caller's ID token. Authorization stays the client's own
 * (shoppers' widget tokens travel in it); Cloud Run checks this header instead when present.
 */
export const SERVERLESS_AUTHORIZATION_HEADER = 'x-serverless-authorization';

/** How the gateway proves itself to the services it forwards to. */
export interface ServiceIdentity {
  /**
   * The X-Serverless-Authorization value for a request to the service at `audience` (its
   * URL), or undefined where services take unauthenticated calls. Rejects with an
   * `unavailable` AppError when no token can be had.
   */
  authorizationFor(audience: string): Promise<string | undefined>;
}

/** Services that accept any caller (local installs, tests): nothing is attached. */
export const ANONYMOUS_SERVICE_IDENTITY: ServiceIdentity = { authorizationFor: async () => undefined };

export interface MetadataIdTokenOptions {
  /** host[:port] of the metadata server, as Google's libraries read GCE_METADATA_HOST. */
  metadataHost: string;
  /** A token is replaced this long before its `exp`, so none expires in flight. */
  refreshBeforeExpiryMs?: number;
  /** How long a token fetch may take before the forward fails. */
  timeoutMs?: number;
}

const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
const METADATA_TIMEOUT_MS = 5_000;
/** A token this close to its `exp` is not sent, even when fetching its successor failed. */
const LAST_USABLE_MS = 30_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

const noToken = (audience: string, why: string, cause?: unknown) =>
  new AppError('unavailable', `No ID token for ${audience}: ${why}`, { cause });

/**
 * ID tokens from the metadata server of the Cloud Run instance, signed by Google for the
 * instance's service account, one per audience. Each is reused until shortly before it
 * expires; concurrent requests for one audience share a single fetch.
 */
export function createMetadataIdTokens(options: MetadataIdTokenOptions): ServiceIdentity {
  const refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? REFRESH_BEFORE_EXPIRY_MS;
  const timeoutMs = options.timeoutMs ?? METADATA_TIMEOUT_MS;
  const cached = new Map<string, CachedToken>();
  const fetching = new Map<string, Promise<CachedToken>>();

  const fetchToken = async (audience: string): Promise<CachedToken> => {
    const url = new URL(
      `http://${options.metadataHost}/computeMetadata/v1/instance/service-accounts/default/identity`,
    );
    url.searchParams.set('audience', audience);
    // `full` adds the account's email to the claims; Cloud Run accepts either format.
    url.searchParams.set('format', 'full');
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { 'metadata-flavor': 'Google' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw noToken(audience, `the metadata server at ${options.metadataHost} did not answer`, err);
    }
    const body = (await response.text()).trim();
    if (!response.ok) throw noToken(audience, `the metadata server answered ${response.status} ${body}`);
    let exp: number | undefined;
    try {
      exp = decodeJwt(body).exp;
    } catch (err) {
      throw noToken(audience, 'the metadata server answered something other than a JWT', err);
    }
    if (exp === undefined || exp * 1000 <= Date.now()) {
      throw noToken(audience, 'the metadata server answered a token without a future exp');
    }
    const fresh = { token: body, expiresAt: exp * 1000 };
    cached.set(audience, fresh);
    return fresh;
  };

  const refreshed = (audience: string): Promise<CachedToken> => {
    let pending = fetching.get(audience);
    if (!pending) {
      pending = fetchToken(audience).finally(() => fetching.delete(audience));
      fetching.set(audience, pending);
    }
    return pending;
  };

  return {
    async authorizationFor(audience) {
      const current = cached.get(audience);
      const now = Date.now();
      if (current && now < current.expiresAt - refreshBeforeExpiryMs) return `Bearer ${current.token}`;
      try {
        return `Bearer ${(await refreshed(audience)).token}`;
      } catch (err) {
        // A metadata hiccup during the refresh window need not fail requests the old token still covers.
        if (current && Date.now() < current.expiresAt - LAST_USABLE_MS) return `Bearer ${current.token}`;
        throw err;
      }
    },
  };
}

/** The identity SERVICE_AUTH names. */
export function serviceIdentityFor(
  config: Pick<GatewayConfig, 'SERVICE_AUTH' | 'GCE_METADATA_HOST'>,
): ServiceIdentity {
  return config.SERVICE_AUTH === 'google-id-token'
    ? createMetadataIdTokens({ metadataHost: config.GCE_METADATA_HOST })
    : ANONYMOUS_SERVICE_IDENTITY;
}
