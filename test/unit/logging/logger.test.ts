import { describe, expect, it } from 'vitest';
import {
  createLogger,
  jsonLineWriter,
  keysFromPrefix,
  type LogEntry,
  type LogSink,
  structuredLogger,
} from '../../../src/logging/logger.js';

/** A sink recording what each of its methods received. */
function recordingSink() {
  const calls: Array<[string, string]> = [];
  const sink: LogSink = {
    log: (line) => calls.push(['log', String(line)]),
    warn: (line) => calls.push(['warn', String(line)]),
    error: (line) => calls.push(['error', String(line)]),
  };
  return { calls, sink };
}

describe('createLogger', () => {
  it('stamps every entry with the keys; an entry field of the same name wins', () => {
    const entries: LogEntry[] = [];
    const logger = createLogger((e) => entries.push(e), { instanceId: 'i-1', cluster: 'c', node: 'n' });
    logger.info('capture job created', { jobName: 'j' });
    logger.warn('override', { node: 'other' });
    logger.error('bare');
    expect(entries).toEqual([
      {
        level: 'info',
        message: 'capture job created',
        fields: { instanceId: 'i-1', cluster: 'c', node: 'n', jobName: 'j' },
      },
      { level: 'warn', message: 'override', fields: { instanceId: 'i-1', cluster: 'c', node: 'other' } },
      { level: 'error', message: 'bare', fields: { instanceId: 'i-1', cluster: 'c', node: 'n' } },
    ]);
  });
});

describe('jsonLineWriter / structuredLogger', () => {
  it('writes one JSON line per entry at the matching sink level, level and message first', () => {
    const { calls, sink } = recordingSink();
    const logger = structuredLogger(sink, { instanceId: 'i-2' });
    logger.info('a', { n: 1 });
    logger.warn('b');
    logger.error('c', { detail: { status: 503 } });
    expect(calls.map(([level]) => level)).toEqual(['log', 'warn', 'error']);
    expect(calls.map(([, line]) => JSON.parse(line))).toEqual([
      { level: 'info', message: 'a', instanceId: 'i-2', n: 1 },
      { level: 'warn', message: 'b', instanceId: 'i-2' },
      { level: 'error', message: 'c', instanceId: 'i-2', detail: { status: 503 } },
    ]);
    expect(Object.keys(JSON.parse(calls[0]?.[1] ?? '{}')).slice(0, 2)).toEqual(['level', 'message']);
  });

  it('is the writer createLogger composes with', () => {
    const { calls, sink } = recordingSink();
    createLogger(jsonLineWriter(sink)).info('plain');
    expect(calls).toEqual([['log', '{"level":"info","message":"plain"}']]);
  });
});

describe('keysFromPrefix', () => {
  it('reads cluster, node and instance id from a report prefix', () => {
    expect(keysFromPrefix('aks-prod/aks-np-0/20261204T101500Z-snat-abc-20261204T1015Z/')).toEqual({
      cluster: 'aks-prod',
      node: 'aks-np-0',
      instanceId: 'snat-abc-20261204T1015Z',
    });
    expect(keysFromPrefix('')).toEqual({});
  });
});
