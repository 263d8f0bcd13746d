import { splitAlert } from './payloads.js';
import type { Scenario } from './types.js';

/**
 * The Teams URL setting still holds the literal Key Vault reference Azure leaves when it cannot resolve one (RBAC
 * still propagating, a vault outage, a rotated secret). Only notifications turn off: the webhook answers 202, the
 * investigation runs and its report is stored, and the outcome says `notified: false` with the reason.
 */
export const keyvaultUnresolved: Scenario = {
  name: 'keyvault-unresolved',
  description:
    'the Teams URL setting is an unresolved Key Vault reference: webhook 202, report stored, notified false with the reason',
  session: {
    settings: {
      TEAMS_WEBHOOK_URL: '@Microsoft.KeyVault(SecretUri=https://kv-snat.vault.azure.net/secrets/teams-webhook/)',
    },
  },
  async run(ctx) {
    await ctx.deliverAlert(splitAlert(ctx.now()));
  },
};
