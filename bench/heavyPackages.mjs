// The SDKs the Function App's entry point must not load at import (each function loads what it needs on first use).
// One list for the cold-start benchmark (bench/functions-import.mjs) and its guard (test/infra/coldStart.test.ts).

/** @type {readonly string[]} */
export const HEAVY_PACKAGES = [
  '@azure/storage-blob',
  '@azure/arm-monitor',
  '@azure/arm-containerservice',
  '@kubernetes/client-node',
  '@azure/identity',
  'vega',
  'vega-lite',
];
