import type { TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { openBlobService } from '../../../src/azure/blob/service.js';
import { AZURITE_ACCOUNT } from '../../../src/sim/azurite.js';

// Builds clients only: nothing here sends a request.
const credential: TokenCredential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };

describe('openBlobService', () => {
  it('opens an account URL target with the Entra ID credential', async () => {
    const service = await openBlobService(
      { kind: 'accountUrl', accountUrl: 'https://acct.blob.core.windows.net', container: 'reports' },
      credential,
    );
    expect(service.url).toBe('https://acct.blob.core.windows.net/');
    expect(service.credential).toBe(credential);
  });

  it('opens a connection-string target with the key it carries, not the credential', async () => {
    const connectionString =
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};AccountKey=${AZURITE_ACCOUNT.key};` +
      'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';
    const service = await openBlobService(
      { kind: 'connectionString', connectionString, container: 'reports' },
      credential,
    );
    expect(service.url).toBe('http://127.0.0.1:10000/devstoreaccount1');
    expect(service.accountName).toBe('devstoreaccount1');
    expect(service.credential).not.toBe(credential);
  });
});
