/**
 * The simulated Functions host + Durable extension, for the demo and tests: install the host
 * stand-in, then import the app's entry point, then drive orchestrations.
 */
import { type ClientRpcServer, type ClientRpcServerOptions, startClientRpcServer } from './clientRpcServer.js';
import { type FunctionsRegistry, installFunctionsHostStandIn, type StandInOptions } from './hostStandIn.js';
import { ReplayDriver, type ReplayDriverOptions } from './replayDriver.js';

export * from './clientRpcServer.js';
export * from './errors.js';
export * from './history.js';
export * from './hostStandIn.js';
export * from './replayDriver.js';
export * from './virtualClock.js';

/** Everything {@link startDurableSim} started. */
export interface DurableSim {
  registry: FunctionsRegistry;
  driver: ReplayDriver;
  rpc: ClientRpcServer;
  /** Stops the RPC endpoint (running activities are not cancelled). */
  close(): Promise<void>;
}

/**
 * Installs the Functions host stand-in, creates a replay driver and starts the durable client
 * RPC endpoint. Call it before importing the module that registers the functions.
 *
 * @example
 * const sim = await startDurableSim({ autoRun: true });
 * await import('../../functions/index.js');
 * const res = await sim.registry.invokeHttp('alertWebhook', { method: 'POST', url: '/api/alert', body });
 * const { id } = res.json() as { id: string };
 * const result = await sim.driver.runToCompletion(id);
 * await sim.close();
 */
export async function startDurableSim(
  options: ReplayDriverOptions & { standIn?: StandInOptions; rpc?: ClientRpcServerOptions } = {},
): Promise<DurableSim> {
  const { standIn, rpc: rpcOptions, ...driverOptions } = options;
  const registry = installFunctionsHostStandIn(standIn);
  const driver = new ReplayDriver(registry, driverOptions);
  const rpc = await startClientRpcServer(driver, registry, rpcOptions);
  return { registry, driver, rpc, close: () => rpc.close() };
}
