import { describe, expect, it } from 'vitest';
import { SettingsError } from '../../../src/config/errors.js';
import { describeSettings, loadSettings, loadSlice, SECRET_SETTINGS } from '../../../src/config/settings.js';

const CS =
  'InstrumentationKey=0b8f7c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/';

describe("loadSlice('telemetry')", () => {
  it('is off when nothing is set', () => {
    expect(loadSlice('telemetry', {})).toEqual({ appInsightsConnectionString: null, appInsightsAuthentication: null });
  });

  it('reads the connection string and the Entra ID client of the authentication string', () => {
    const slice = loadSlice('telemetry', {
      APPLICATIONINSIGHTS_CONNECTION_STRING: CS,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=11111111-2222-3333-4444-555555555555',
    });
    expect(slice.appInsightsConnectionString).toBe(CS);
    expect(slice.appInsightsAuthentication).toEqual({ clientId: '11111111-2222-3333-4444-555555555555' });
    expect(loadSlice('telemetry', { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' })).toMatchObject({
      appInsightsAuthentication: { clientId: null },
    });
  });

  it('names a malformed value without echoing it', () => {
    const err = (() => {
      try {
        loadSlice('telemetry', {
          APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x;Key=hunter2',
          APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=Basic',
        });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(SettingsError);
    const issues = (err as SettingsError).issues.map((i) => i.setting);
    expect(issues).toEqual(['APPLICATIONINSIGHTS_CONNECTION_STRING', 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING']);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('never stops the rest of the app, and the connection string is a secret in the start-up log', () => {
    const settings = loadSettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'not a connection string' });
    expect(settings.appInsightsConnectionString).toBeNull();
    expect(SECRET_SETTINGS).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING');
    const shown = describeSettings(loadSettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: CS })).values;
    expect(shown.APPLICATIONINSIGHTS_CONNECTION_STRING).toBe('<set>');
    expect(JSON.stringify(shown)).not.toContain('0b8f7c1e');
  });
});
