/**
 * Opening the reports account's Blob service, one way for every store: an account URL with an Entra ID credential
 * (managed identity in Azure) or a connection string (local development, Azurite). The SDK is imported on first
 * use so a Function that never touches Blob does not pay for loading it.
 */
import type { TokenCredential } from '@azure/identity';
import type { BlobServiceClient, StoragePipelineOptions } from '@azure/storage-blob';
import type { ReportStorageTarget } from '../../config/settings.js';

/**
 * The Blob service client for a storage target.
 *
 * @param credential - used only for an `accountUrl` target (a connection string carries its own key).
 * @param options - pipeline options (retries) for the client.
 * @example const service = await openBlobService(reportStorage(settings), new DefaultAzureCredential());
 */
export async function openBlobService(
  target: ReportStorageTarget,
  credential: TokenCredential,
  options: StoragePipelineOptions = {},
): Promise<BlobServiceClient> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  return target.kind === 'connectionString'
    ? BlobServiceClient.fromConnectionString(target.connectionString, options)
    : new BlobServiceClient(target.accountUrl, credential, options);
}
