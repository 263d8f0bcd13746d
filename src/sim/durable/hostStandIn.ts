/**
 * A stand-in for the Azure Functions host's built-in `@azure/functions-core` module, so the
 * real `app.http(...)`, `df.app.orchestration(...)` and `df.app.activity(...)` registrations
 * can run outside the host (tests and the `demo` command).
 *
 * How the real worker does it: it wraps `Module.prototype.require` so that
 * `require('@azure/functions-core')` returns its API object, then `@azure/functions` calls
 * `setProgrammingModel(...)` and `registerFunction(metadata, callback)`. Invocations go through
 * the programming model's `InvocationModel` (`getArguments` -> hooks -> `invokeFunction` ->
 * `getResponse`) with RPC-shaped binding data. This module does the same, in process, so the
 * library converts inputs and outputs exactly as it does under the host.
 *
 * `@azure/functions` asks for the core module once, lazily, at its first registration; the
 * stand-in must therefore be installed before the first `app.*` call (importing the library
 * earlier is fine). ESM importers work too: the library itself is CommonJS and its `require`
 * goes through `Module.prototype.require`.
 */
import { randomUUID } from 'node:crypto';
import Module from 'node:module';
import { FunctionInvocationError, FunctionsHostStandInError } from './errors.js';

/** The host's typed data envelope (one field set), as `@azure/functions` reads and writes it. */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  stream?: Uint8Array | null;
  int?: number | null;
  double?: number | null;
  http?: RpcHttpData | null;
}

/** The host's HTTP envelope (request and response). */
export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  statusCode?: string | null;
  query?: Record<string, string> | null;
  enableContentNegotiation?: boolean | null;
  cookies?: unknown[] | null;
}

/** One binding of a function, as `@azure/functions` hands it to `registerFunction`. */
export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  [key: string]: unknown;
}

/** What `registerFunction` receives: the function name and its bindings (trigger, inputs, outputs). */
export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
  retryOptions?: unknown;
}

/** The callback the library registers (for Durable: the library's wrapper around the user handler). */
export type FunctionCallback = (...args: unknown[]) => unknown;

/** A captured registration. */
export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: FunctionMetadata;
  /** Trigger binding type, e.g. `httpTrigger`, `orchestrationTrigger`, `activityTrigger`. */
  readonly triggerType: string;
  /** Name of the trigger binding (the key in `metadata.bindings`). */
  readonly triggerName: string;
  readonly handler: FunctionCallback;
}

/** A log line written through an invocation context or by the library. */
export interface CapturedLog {
  functionName: string | undefined;
  invocationId: string | undefined;
  level: string;
  category: string;
  message: string;
}

/** An HTTP request given to {@link FunctionsRegistry.invokeHttp}. */
export interface StandInHttpRequest {
  method: string;
  /** Absolute URL, or a path such as `/api/start` (then `http://localhost:7071` is prepended). */
  url: string;
  headers?: Record<string, string>;
  /** A string or bytes are sent as is; anything else is JSON-encoded. */
  body?: unknown;
}

/** The HTTP response the host would send back. */
export interface StandInHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  text(): string;
  json(): unknown;
}

/** Supplies the binding data of a non-trigger input binding (e.g. `durableClient`) for one invocation. */
export type BindingDataProvider = (binding: RpcBindingInfo, functionName: string) => RpcTypedData | undefined;

/** Low-level invocation input: the trigger's typed data plus optional trigger metadata. */
export interface InvocationInput {
  triggerData: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
}

/** What the invocation model returned to the (stand-in) worker. */
export interface InvocationOutcome {
  invocationId: string;
  returnValue: RpcTypedData | null | undefined;
  outputData: { name: string; data: RpcTypedData | null | undefined }[];
}

/** The functions captured by the stand-in, and ways to invoke them the way the host does. */
export interface FunctionsRegistry {
  readonly functions: ReadonlyMap<string, RegisteredFunction>;
  /** Every log line so far (user `context.log` and library system logs). */
  readonly logs: CapturedLog[];
  /** Registers (or clears) the data provider of an input binding type, e.g. `durableClient`. */
  setBindingDataProvider(bindingType: string, provider: BindingDataProvider | undefined): void;
  /** Invokes a function through the programming model, exactly like the worker's invocation handler. */
  invoke(name: string, input: InvocationInput): Promise<InvocationOutcome>;
  /** Invokes an HTTP-triggered function; route parameters are taken from the trigger's `route`. */
  invokeHttp(name: string, request: StandInHttpRequest): Promise<StandInHttpResponse>;
  /** Invokes an activity with a JSON-serializable input; resolves with its JSON round-tripped output. */
  invokeActivity(name: string, input: unknown): Promise<unknown>;
  /** Invokes an orchestrator with the trigger payload the Durable extension sends; resolves with its state object. */
  invokeOrchestrator(name: string, payload: object): Promise<unknown>;
  /** Runs the registered `appStart` hooks, as the worker does once when the app loads. */
  startApp(): Promise<void>;
  /** Invokes an entity with one batch (the extension's entity binding info); resolves with the entity state object. */
  invokeEntity(name: string, batch: object): Promise<unknown>;
}

/** Options of {@link installFunctionsHostStandIn}. */
export interface StandInOptions {
  /** Receives each log line as it is written (default: lines are only kept in `registry.logs`). */
  onLog?: (log: CapturedLog) => void;
}

interface ProgrammingModelLike {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): InvocationModelLike | Promise<InvocationModelLike>;
}

interface InvocationModelLike {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(
    context: unknown,
    result: unknown,
  ): Promise<{
    invocationId?: string;
    returnValue?: RpcTypedData | null;
    outputData?: { name?: string | null; data?: RpcTypedData | null }[] | null;
  }>;
}

type HookCallback = (context: Record<string, unknown>) => unknown;

const coreModuleName = '@azure/functions-core';
const defaultOrigin = 'http://localhost:7071';
const globalKey = Symbol.for('snat-responder.sim.durable.functionsHostStandIn');

class StandInRegistry implements FunctionsRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly logs: CapturedLog[] = [];
  programmingModel: ProgrammingModelLike | undefined;
  readonly #providers = new Map<string, BindingDataProvider>();
  readonly #hooks = new Map<string, HookCallback[]>();
  readonly #appHookData: Record<string, unknown> = {};
  onLog: ((log: CapturedLog) => void) | undefined;

  /** The object `require('@azure/functions-core')` returns. */
  readonly coreApi = {
    version: '4.0.0-sim',
    hostVersion: '4.1000.0-sim',
    setProgrammingModel: (model: ProgrammingModelLike) => {
      this.programmingModel = model;
    },
    getProgrammingModel: () => this.programmingModel,
    registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback) => this.#register(metadata, callback),
    registerHook: (hookName: string, callback: HookCallback) => {
      const list = this.#hooks.get(hookName) ?? [];
      list.push(callback);
      this.#hooks.set(hookName, list);
      return new SimDisposable(() => {
        const index = list.indexOf(callback);
        if (index >= 0) list.splice(index, 1);
      });
    },
    log: (level: string, category: string, message: string) => {
      this.#log({ functionName: undefined, invocationId: undefined, level, category, message });
    },
    Disposable: class {
      readonly #fn: () => void;
      constructor(fn: () => void) {
        this.#fn = fn;
      }
      dispose(): void {
        this.#fn();
      }
    },
  };

  setBindingDataProvider(bindingType: string, provider: BindingDataProvider | undefined): void {
    if (provider) this.#providers.set(bindingType.toLowerCase(), provider);
    else this.#providers.delete(bindingType.toLowerCase());
  }

  #register(metadata: FunctionMetadata, callback: FunctionCallback): SimDisposable {
    const name = metadata.name;
    // A second registration under the same name replaces the first: test runners may evaluate the
    // app module again in the same process while the CommonJS library (and this registry) stay loaded.
    const trigger = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type ?? ''));
    if (!trigger) throw new FunctionsHostStandInError(`Function '${name}' has no trigger binding.`);
    const [triggerName, triggerBinding] = trigger;
    this.functions.set(name, {
      name,
      metadata,
      triggerType: String(triggerBinding.type),
      triggerName,
      handler: callback,
    });
    return new SimDisposable(() => this.functions.delete(name));
  }

  #log(log: CapturedLog): void {
    this.logs.push(log);
    this.onLog?.(log);
  }

  #get(name: string): RegisteredFunction {
    const fn = this.functions.get(name);
    if (!fn) {
      const known = [...this.functions.keys()].join(', ') || 'none';
      throw new FunctionsHostStandInError(`No function named '${name}' is registered (registered: ${known}).`);
    }
    return fn;
  }

  async invoke(name: string, input: InvocationInput): Promise<InvocationOutcome> {
    const fn = this.#get(name);
    const model = this.programmingModel;
    if (!model) {
      throw new FunctionsHostStandInError(
        'No programming model was set: install the Functions host stand-in before the first app.* registration.',
      );
    }
    const invocationId = randomUUID();
    const inputData: { name: string; data: RpcTypedData }[] = [{ name: fn.triggerName, data: input.triggerData }];
    for (const [bindingName, binding] of Object.entries(fn.metadata.bindings)) {
      if (bindingName === fn.triggerName || binding.direction !== 'in') continue;
      const provider = this.#providers.get(String(binding.type).toLowerCase());
      const data = provider?.(binding, name);
      if (data === undefined) {
        throw new FunctionsHostStandInError(
          `Function '${name}' has an input binding '${bindingName}' of type '${binding.type}' and no data provider is set for it.`,
        );
      }
      inputData.push({ name: bindingName, data });
    }

    const log = (level: string, category: string, message: string) =>
      this.#log({ functionName: name, invocationId, level, category, message });
    const coreCtx: { state: string | undefined } & Record<string, unknown> = {
      invocationId,
      request: {
        invocationId,
        functionId: name,
        inputData,
        triggerMetadata: input.triggerMetadata ?? {},
      },
      metadata: { name, functionId: name, bindings: fn.metadata.bindings, retryOptions: fn.metadata.retryOptions },
      state: undefined,
      log,
    };

    const invocationModel = await model.getInvocationModel(coreCtx);
    const { context, inputs: initialInputs } = await invocationModel.getArguments();
    const hookData: Record<string, unknown> = {};
    const preContext: Record<string, unknown> = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      functionCallback: fn.handler,
      inputs: initialInputs,
    };
    coreCtx.state = 'preInvocationHooks';
    try {
      await this.#runHooks('preInvocation', preContext);
    } finally {
      coreCtx.state = undefined;
    }
    const inputs = preContext.inputs as unknown[];
    const callback = preContext.functionCallback as FunctionCallback;

    const postContext: Record<string, unknown> = {
      hookData,
      appHookData: this.#appHookData,
      invocationContext: context,
      inputs,
      result: null,
      error: null,
    };
    coreCtx.state = 'invocation';
    try {
      postContext.result = await invocationModel.invokeFunction(context, inputs, callback);
    } catch (err) {
      postContext.error = err;
    } finally {
      coreCtx.state = undefined;
    }
    coreCtx.state = 'postInvocationHooks';
    try {
      await this.#runHooks('postInvocation', postContext);
    } finally {
      coreCtx.state = undefined;
    }
    if (postContext.error !== null && postContext.error !== undefined) {
      throw new FunctionInvocationError(name, { cause: postContext.error });
    }
    const response = await invocationModel.getResponse(context, postContext.result);
    return {
      invocationId,
      returnValue: response.returnValue,
      outputData: (response.outputData ?? []).map((o) => ({ name: String(o.name), data: o.data })),
    };
  }

  async startApp(): Promise<void> {
    await this.#runHooks('appStart', {
      hookData: {},
      appHookData: this.#appHookData,
      functionAppDirectory: process.cwd(),
    });
  }

  async #runHooks(hookName: string, context: Record<string, unknown>): Promise<void> {
    for (const hook of [...(this.#hooks.get(hookName) ?? [])]) {
      await hook(context);
    }
  }

  async invokeHttp(name: string, request: StandInHttpRequest): Promise<StandInHttpResponse> {
    const fn = this.#get(name);
    if (fn.triggerType.toLowerCase() !== 'httptrigger') {
      throw new FunctionsHostStandInError(`Function '${name}' is not HTTP-triggered (trigger: ${fn.triggerType}).`);
    }
    const trigger = fn.metadata.bindings[fn.triggerName] ?? {};
    const url = new URL(request.url, defaultOrigin);
    const method = request.method.toUpperCase();
    const methods = Array.isArray(trigger.methods) ? trigger.methods.map((m) => String(m).toUpperCase()) : undefined;
    if (methods && methods.length > 0 && !methods.includes(method)) {
      throw new FunctionsHostStandInError(
        `Function '${name}' does not accept ${method} (methods: ${methods.join(', ')}).`,
      );
    }
    const route = typeof trigger.route === 'string' && trigger.route.length > 0 ? trigger.route : name;
    const params = matchRoute(route, url.pathname);
    if (!params) {
      throw new FunctionsHostStandInError(
        `URL path '${url.pathname}' does not match route 'api/${route}' of '${name}'.`,
      );
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = value;
    let body: RpcTypedData | undefined;
    if (request.body !== undefined && request.body !== null) {
      if (typeof request.body === 'string') body = { string: request.body };
      else if (request.body instanceof Uint8Array) body = { bytes: request.body };
      else {
        body = { string: JSON.stringify(request.body) };
        headers['content-type'] ??= 'application/json';
      }
    }
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const http: RpcHttpData = { method, url: url.href, headers, query, params, body: body ?? null };
    const outcome = await this.invoke(name, { triggerData: { http } });

    const httpOut = findHttpOutput(fn, outcome);
    const status = httpOut?.statusCode ? Number(httpOut.statusCode) : httpOut ? 200 : 204;
    const responseBody = typedDataToBuffer(httpOut?.body);
    return {
      status,
      headers: { ...(httpOut?.headers ?? {}) },
      body: responseBody,
      text: () => responseBody.toString('utf8'),
      json: () => JSON.parse(responseBody.toString('utf8')) as unknown,
    };
  }

  async invokeActivity(name: string, input: unknown): Promise<unknown> {
    return this.#invokeAs(name, 'activityTrigger', 'an activity', activityInputToTypedData(input));
  }

  async invokeOrchestrator(name: string, payload: object): Promise<unknown> {
    // The extension hands the orchestration context to out-of-process workers as JSON text.
    return this.#invokeAs(name, 'orchestrationTrigger', 'an orchestrator', { string: JSON.stringify(payload) });
  }

  async invokeEntity(name: string, batch: object): Promise<unknown> {
    // The extension hands the batch to out-of-process workers as JSON (the library reads an object).
    return this.#invokeAs(name, 'entityTrigger', 'an entity', { json: JSON.stringify(batch) });
  }

  /** Invokes `name`, which must have the trigger `triggerType`, with `triggerData`; returns its return value. */
  async #invokeAs(name: string, triggerType: string, what: string, triggerData: RpcTypedData): Promise<unknown> {
    const fn = this.#get(name);
    if (fn.triggerType !== triggerType) {
      throw new FunctionsHostStandInError(`Function '${name}' is not ${what} (trigger: ${fn.triggerType}).`);
    }
    const outcome = await this.invoke(name, { triggerData });
    return fromTypedData(outcome.returnValue);
  }
}

class SimDisposable {
  readonly #fn: () => void;
  constructor(fn: () => void) {
    this.#fn = fn;
  }
  dispose(): void {
    this.#fn();
  }
}

/**
 * Activity inputs as the host delivers them: strings as plain string data (the Node worker then
 * tries `JSON.parse` on them, as it does under the real host), everything else as JSON.
 */
function activityInputToTypedData(input: unknown): RpcTypedData {
  if (typeof input === 'string') return { string: input };
  return { json: JSON.stringify(input ?? null) };
}

/** Decodes typed data the way the host hands a worker's return value on (JSON kinds parsed). */
export function fromTypedData(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string !== undefined && data.string !== null) return data.string;
  if (data.json !== undefined && data.json !== null) return JSON.parse(data.json) as unknown;
  if (data.int !== undefined && data.int !== null) return data.int;
  if (data.double !== undefined && data.double !== null) return data.double;
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (data.http) return data.http;
  return undefined;
}

function typedDataToBuffer(data: RpcTypedData | null | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if (data.bytes) return Buffer.from(data.bytes);
  if (data.stream) return Buffer.from(data.stream);
  if (typeof data.string === 'string') return Buffer.from(data.string, 'utf8');
  if (typeof data.json === 'string') return Buffer.from(data.json, 'utf8');
  if (typeof data.int === 'number') return Buffer.from(String(data.int));
  if (typeof data.double === 'number') return Buffer.from(String(data.double));
  return Buffer.alloc(0);
}

function findHttpOutput(fn: RegisteredFunction, outcome: InvocationOutcome): RpcHttpData | undefined {
  const returnBinding = fn.metadata.bindings.$return;
  if (returnBinding && String(returnBinding.type).toLowerCase() === 'http') {
    return outcome.returnValue?.http ?? undefined;
  }
  for (const output of outcome.outputData) {
    const binding = fn.metadata.bindings[output.name];
    if (binding && String(binding.type).toLowerCase() === 'http' && output.data?.http) return output.data.http;
  }
  return undefined;
}

/** Matches `/api/<route>` against a Functions route template (`{name}`, `{name?}`, `{name:int}`, `{*rest}`). */
function matchRoute(route: string, pathname: string): Record<string, string> | undefined {
  const prefix = '/api/';
  if (!pathname.startsWith(prefix)) return undefined;
  const actual = pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  const template = route.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const segment = template[i] ?? '';
    const value = actual[i];
    const param = /^\{(\*)?([A-Za-z0-9_]+)(?::[^}?]*)?(\?)?\}$/.exec(segment);
    if (!param) {
      if (value?.toLowerCase() !== segment.toLowerCase()) return undefined;
      continue;
    }
    const [, catchAll, paramName = '', optional] = param;
    if (catchAll) {
      params[paramName] = actual.slice(i).join('/');
      return params;
    }
    if (value === undefined) {
      if (optional) continue;
      return undefined;
    }
    params[paramName] = value;
  }
  return actual.length <= template.length ? params : undefined;
}

interface StandInGlobal {
  registry: StandInRegistry;
}

/**
 * Installs the `@azure/functions-core` stand-in (once per process) and returns the registry
 * that captures every registration. Call it before the module that registers functions runs
 * its first `app.*` call.
 *
 * @example
 * const registry = installFunctionsHostStandIn();
 * await import('../functions/index.js'); // runs app.http / df.app.orchestration / df.app.activity
 * const res = await registry.invokeHttp('alertWebhook', { method: 'POST', url: '/api/alert', body: alert });
 */
export function installFunctionsHostStandIn(options: StandInOptions = {}): FunctionsRegistry {
  const holder = globalThis as unknown as Record<symbol, StandInGlobal | undefined>;
  const existing = holder[globalKey];
  if (existing) {
    if (options.onLog) existing.registry.onLog = options.onLog;
    return existing.registry;
  }
  const registry = new StandInRegistry();
  registry.onLog = options.onLog;
  const originalRequire = Module.prototype.require;
  Module.prototype.require = new Proxy(originalRequire, {
    apply(target, thisArg, args: unknown[]) {
      if (args[0] === coreModuleName) return registry.coreApi;
      return Reflect.apply(target, thisArg, args);
    },
  });
  holder[globalKey] = { registry };
  return registry;
}
