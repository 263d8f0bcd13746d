/**
 * Short-lived, read-only links to single report blobs, so a Teams card's "Open report" opens in a browser although
 * the account allows no shared keys and no public access.
 *
 * In Azure the link is a user-delegation SAS: the app's managed identity asks for a user delegation key (Storage Blob
 * Delegator on the account; the key grants nothing by itself) and signs `r` on one blob for a few hours, at most 7
 * days (the longest a delegation key lives). With a connection string (local development, Azurite) the same
 * parameters are signed with the account key (a service SAS). `@azure/storage-blob` is loaded only when signing.
 */
import type { BlobClient, BlobServiceClient, UserDelegationKey } from '@azure/storage-blob';
import { SETTING_RANGES } from '../../config/ranges.js';
import { InvalidArgumentError } from '../errors.js';

/** Longest link lifetime (168 hours): a user delegation key is valid for 7 days at most. */
export const MAX_LINK_HOURS = SETTING_RANGES.REPORT_LINK_EXPIRY_HOURS.max;
/** Links start this long before "now", so a client clock slightly behind the service's still accepts them. */
export const LINK_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Signed version of the links. Azure Storage accepts every published version; 2025-07-05 is the newest whose
 * string-to-sign Azurite also implements (the SDK's default, 2026-04-06, adds fields the emulator does not know), so
 * the demo and the tests verify exactly what Azure gets.
 */
export const LINK_SAS_VERSION = '2025-07-05';

/** When a link becomes valid and when it expires. */
export interface LinkWindow {
  startsOn: Date;
  expiresOn: Date;
}

/**
 * The validity window of a link signed now for `hours` hours (pure).
 *
 * @throws InvalidArgumentError when `hours` is not a whole number from 1 to {@link MAX_LINK_HOURS}.
 * @example linkWindow(new Date('2026-12-04T10:00:00Z'), 72).expiresOn // 2026-12-07T10:00:00.000Z
 */
export function linkWindow(now: Date, hours: number): LinkWindow {
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_LINK_HOURS) {
    throw new InvalidArgumentError(`A report link lives 1 to ${MAX_LINK_HOURS} hours, got ${hours}`);
  }
  return {
    startsOn: new Date(now.getTime() - LINK_CLOCK_SKEW_MS),
    expiresOn: new Date(now.getTime() + hours * 3_600_000),
  };
}

/** Signs read-only links to blobs, by the account key when the client has one, else by a user delegation key. */
export class ReadLinkSigner {
  readonly #service: BlobServiceClient | null;
  #key: { window: LinkWindow; key: Promise<UserDelegationKey> } | null = null;

  /** @param service - the service client of an Entra ID (token) credential; null when only shared keys sign. */
  constructor(service: BlobServiceClient | null) {
    this.#service = service;
  }

  /**
   * A URL that reads this one blob until `window.expiresOn` (permission `r` only; https only, except loopback).
   *
   * @throws InvalidArgumentError when the client has neither an account key nor a token credential.
   */
  async sign(blob: BlobClient, window: LinkWindow): Promise<string> {
    const { BlobSASPermissions, SASProtocol, StorageSharedKeyCredential } = await import('@azure/storage-blob');
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(blob.url).hostname);
    const options = {
      permissions: BlobSASPermissions.parse('r'),
      startsOn: window.startsOn,
      expiresOn: window.expiresOn,
      protocol: loopback ? SASProtocol.HttpsAndHttp : SASProtocol.Https,
      version: LINK_SAS_VERSION,
    };
    if (blob.credential instanceof StorageSharedKeyCredential) return blob.generateSasUrl(options);
    if (!this.#service) {
      throw new InvalidArgumentError('Report links need an account key or an Entra ID credential to be signed');
    }
    return blob.generateUserDelegationSasUrl(options, await this.#delegationKey(window));
  }

  /** One delegation key per window (an investigation signs several links at once). */
  #delegationKey(window: LinkWindow): Promise<UserDelegationKey> {
    const cached = this.#key;
    if (
      cached &&
      cached.window.startsOn.getTime() === window.startsOn.getTime() &&
      cached.window.expiresOn.getTime() === window.expiresOn.getTime()
    ) {
      return cached.key;
    }
    const service = this.#service as BlobServiceClient;
    const key = service.getUserDelegationKey(window.startsOn, window.expiresOn);
    this.#key = { window, key };
    key.catch(() => {
      if (this.#key?.key === key) this.#key = null;
    });
    return key;
  }
}
