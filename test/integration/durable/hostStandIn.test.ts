import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { FunctionInvocationError, FunctionsHostStandInError } from '../../../src/sim/durable/errors.js';
import { installFunctionsHostStandIn } from '../../../src/sim/durable/hostStandIn.js';

const registry = installFunctionsHostStandIn();
let app: typeof import('../../support/durable/sampleApp.js');

beforeAll(async () => {
  app = await import('../../support/durable/sampleApp.js');
});

describe('installFunctionsHostStandIn', () => {
  describe('module stand-in', () => {
    it('answers require("@azure/functions-core") from CommonJS and is installed once per process', () => {
      const require = createRequire(import.meta.url);
      const core = require('@azure/functions-core') as { registerFunction: unknown; setProgrammingModel: unknown };
      expect(typeof core.registerFunction).toBe('function');
      expect(typeof core.setProgrammingModel).toBe('function');
      expect(installFunctionsHostStandIn()).toBe(registry);
    });
  });

  describe('captured registrations', () => {
    it('captures orchestrators, activities and HTTP functions with the bindings the host would get', () => {
      const orchestrator = registry.functions.get(app.sample.helloSequence);
      const activity = registry.functions.get(app.sample.sayHello);
      const http = registry.functions.get(app.sample.httpStart);

      expect(orchestrator?.triggerType).toBe('orchestrationTrigger');
      expect(activity?.triggerType).toBe('activityTrigger');
      expect(http?.triggerType).toBe('httpTrigger');
      const bindings = Object.values(http?.metadata.bindings ?? {}).map((b) => [b.type, b.direction]);
      expect(bindings).toEqual([
        ['httpTrigger', 'in'],
        ['durableClient', 'in'],
        ['http', 'out'],
      ]);
      expect(http?.metadata.bindings[http.triggerName]?.route).toBe('orchestrators/{orchestratorName}/{instanceId?}');
    });
  });

  describe('invokeActivity', () => {
    it('runs the real activity handler through the invocation model and captures its logs', async () => {
      expect(await registry.invokeActivity(app.sample.sayHello, 'World')).toBe('Hello World');
      expect(await registry.invokeActivity(app.sample.double, 21)).toBe(42);
      expect(registry.logs).toContainEqual(
        expect.objectContaining({
          functionName: app.sample.sayHello,
          category: 'user',
          message: 'saying hello to World',
        }),
      );
    });

    it('JSON round-trips object inputs and outputs', async () => {
      const output = await registry.invokeActivity(app.sample.flaky, { key: 'standin-roundtrip', failTimes: 0 });
      expect(output).toEqual({ key: 'standin-roundtrip', attempts: 1 });
    });

    it('throws FunctionInvocationError carrying what the handler threw', async () => {
      const error = await registry.invokeActivity(app.sample.alwaysFails, 'nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FunctionInvocationError);
      expect((error as FunctionInvocationError).cause).toBeInstanceOf(Error);
      expect((error as Error).message).toContain('nope');
    });

    it('refuses unknown functions and functions of another trigger type', async () => {
      await expect(registry.invokeActivity('missing', 1)).rejects.toBeInstanceOf(FunctionsHostStandInError);
      await expect(registry.invokeActivity(app.sample.helloSequence, 1)).rejects.toThrow(/not an activity/);
    });
  });

  describe('invokeHttp', () => {
    it('requires a data provider for the durableClient input binding', async () => {
      await expect(
        registry.invokeHttp(app.sample.httpStatus, { method: 'GET', url: '/api/status/abc' }),
      ).rejects.toThrow(/durableClient/);
    });

    it('rejects URLs that do not match the route and methods the function does not accept', async () => {
      await expect(
        registry.invokeHttp(app.sample.httpStatus, { method: 'GET', url: '/api/elsewhere/abc' }),
      ).rejects.toThrow(/does not match route/);
      await expect(
        registry.invokeHttp(app.sample.httpStatus, { method: 'DELETE', url: '/api/status/abc' }),
      ).rejects.toThrow(/does not accept DELETE/);
    });
  });
});
