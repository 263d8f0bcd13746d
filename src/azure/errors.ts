/**
 * Errors raised by the Azure adapters (ARM and Blob). Vendor exceptions (`RestError`,
 * network errors) are translated here so callers can decide on retries without
 * knowing the SDKs: `retryable` says whether trying again later may help.
 */
import { InvalidStorageNameError } from '../report/storageNames.js';

/** Base class of every Azure adapter error. */
export class AzureAdapterError extends Error {
  /** True when the same call may succeed later (throttling, 5xx, network). */
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AzureAdapterError';
    this.retryable = options?.retryable ?? false;
  }
}

/** A resource id that is not the expected ARM resource (wrong shape or type). */
export class InvalidResourceIdError extends AzureAdapterError {
  readonly resourceId: string;
  constructor(resourceId: string, reason: string, options?: { cause?: unknown }) {
    super(`Invalid resource id "${resourceId}": ${reason}`, options);
    this.name = 'InvalidResourceIdError';
    this.resourceId = resourceId;
  }
}

/** An argument that would be unsafe or meaningless in an ARM query (e.g. a backend IP that is not an IP). */
export class InvalidArgumentError extends AzureAdapterError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** No managed cluster in the subscription owns the load balancer's resource group. */
export class ClusterNotFoundError extends AzureAdapterError {
  readonly loadBalancerId: string;
  constructor(loadBalancerId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterNotFoundError';
    this.loadBalancerId = loadBalancerId;
  }
}

/** What a failed HTTP call to Azure reported: its status and the service's error code. */
interface RequestErrorOptions {
  statusCode: number | null;
  code: string | null;
  cause?: unknown;
}

/** A failed HTTP call to an Azure service (ARM or Blob). */
abstract class AzureRequestError extends AzureAdapterError {
  readonly statusCode: number | null;
  readonly code: string | null;
  constructor(message: string, options: RequestErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.statusCode = options.statusCode;
    this.code = options.code;
  }
}

/** An ARM request failed; carries the HTTP status and the ARM error code. */
export class ArmRequestError extends AzureRequestError {
  constructor(message: string, options: RequestErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = 'ArmRequestError';
  }
}

/** 401/403: the identity lacks a role (e.g. Reader, Monitoring Reader, Cluster User). Not retryable. */
export class ArmAuthorizationError extends ArmRequestError {
  constructor(message: string, options: RequestErrorOptions) {
    super(message, { ...options, retryable: false });
    this.name = 'ArmAuthorizationError';
  }
}

/** 404: the resource does not exist (or is not visible). Not retryable. */
export class ArmNotFoundError extends ArmRequestError {
  constructor(message: string, options: RequestErrorOptions) {
    super(message, { ...options, retryable: false });
    this.name = 'ArmNotFoundError';
  }
}

/** 429, 5xx or a network failure: transient, retry with backoff. */
export class ArmUnavailableError extends ArmRequestError {
  constructor(message: string, options: RequestErrorOptions) {
    super(message, { ...options, retryable: true });
    this.name = 'ArmUnavailableError';
  }
}

/** The cluster's credentials could not be obtained or are unusable. */
export class ClusterCredentialsError extends AzureAdapterError {
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options);
    this.name = 'ClusterCredentialsError';
  }
}

/** A Blob Storage operation failed. */
export class BlobStoreError extends AzureRequestError {
  constructor(message: string, options: RequestErrorOptions & { retryable?: boolean }) {
    super(message, options);
    this.name = 'BlobStoreError';
  }
}

/** Shape shared by `RestError` from the Azure SDKs (checked structurally: no SDK import here). */
interface RestErrorLike {
  name?: unknown;
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  details?: unknown;
}

function asRestError(err: unknown): RestErrorLike | null {
  return typeof err === 'object' && err !== null ? (err as RestErrorLike) : null;
}

/** ARM error code from a RestError: `details.error.code` when present, else `code`. */
function armCode(e: RestErrorLike): string | null {
  const details = e.details as { error?: { code?: unknown }; code?: unknown } | undefined;
  const fromDetails = details?.error?.code ?? details?.code;
  if (typeof fromDetails === 'string') return fromDetails;
  return typeof e.code === 'string' ? e.code : null;
}

/**
 * Translate an exception thrown by an ARM SDK call into an {@link ArmRequestError} subclass.
 * Errors that are already adapter errors pass through unchanged.
 *
 * @param what - the operation, for the message (e.g. `list managed clusters`).
 */
export function translateArmError(err: unknown, what: string): AzureAdapterError {
  if (err instanceof AzureAdapterError) return err;
  const e = asRestError(err);
  const statusCode = typeof e?.statusCode === 'number' ? e.statusCode : null;
  const code = e ? armCode(e) : null;
  const detail = typeof e?.message === 'string' ? e.message : String(err);
  const message = `ARM ${what} failed${statusCode === null ? '' : ` (HTTP ${statusCode}${code ? ` ${code}` : ''})`}: ${detail}`;
  const options = { statusCode, code, cause: err };
  if (statusCode === 401 || statusCode === 403) return new ArmAuthorizationError(message, options);
  if (statusCode === 404) return new ArmNotFoundError(message, options);
  if (statusCode === null || statusCode === 408 || statusCode === 429 || statusCode >= 500) {
    return new ArmUnavailableError(message, options);
  }
  return new ArmRequestError(message, { ...options, retryable: false });
}

/** Translate an exception from `@azure/storage-blob` into a {@link BlobStoreError}. */
export function translateBlobError(err: unknown, what: string): AzureAdapterError {
  if (err instanceof AzureAdapterError) return err;
  // A storage name that cannot be built is the caller's bad argument, not an outage: never retried.
  if (err instanceof InvalidStorageNameError) return new InvalidArgumentError(err.message, { cause: err });
  const e = asRestError(err);
  const statusCode = typeof e?.statusCode === 'number' ? e.statusCode : null;
  const code = typeof e?.code === 'string' ? e.code : null;
  const detail = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  const retryable = statusCode === null || statusCode === 408 || statusCode === 429 || statusCode >= 500;
  return new BlobStoreError(
    `Blob ${what} failed${statusCode === null ? '' : ` (HTTP ${statusCode}${code ? ` ${code}` : ''})`}: ${detail}`,
    { statusCode, code, cause: err, retryable },
  );
}
