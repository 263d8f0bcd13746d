/** Credentials and client options for talking to the simulated ARM with the real SDK clients. */
import { Agent } from 'node:https';
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { ArmAdapterOptions, ArmRetryOptions } from '../../azure/arm/options.js';
import type { LoopbackCert } from '../tls.js';
import type { ArmServer } from './server.js';

/**
 * A TokenCredential that returns a fixed token for any scope (the simulator only checks that a
 * bearer token is present). Never use outside the simulated world.
 */
export function staticTokenCredential(token = 'sim-token'): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 60 * 60_000 };
    },
  };
}

/**
 * Adapter options pointing the ARM adapters at a simulated ARM server: its endpoint, an HTTPS agent
 * trusting the loopback certificate, a static credential and (by default) fast retries.
 *
 * @example
 * const resolver = new ArmClusterResolver(simArmAdapterOptions(arm, tls));
 */
export function simArmAdapterOptions(
  arm: Pick<ArmServer, 'endpoint'>,
  tls: Pick<LoopbackCert, 'cert'>,
  retryOptions: ArmRetryOptions = { maxRetries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
): ArmAdapterOptions {
  return {
    credential: staticTokenCredential(),
    endpoint: arm.endpoint,
    agent: new Agent({ ca: tls.cert, keepAlive: true }),
    retryOptions,
  };
}
