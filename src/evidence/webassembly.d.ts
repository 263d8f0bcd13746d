// The part of the WebAssembly JavaScript API the trace scanner uses. Node has it as a global, but neither
// @types/node nor TypeScript's ES libraries declare it (only lib.dom does, which would also admit browser globals).
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
  class Global {
    readonly value: unknown;
  }
}
