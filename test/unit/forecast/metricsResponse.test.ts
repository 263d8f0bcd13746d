import { describe, expect, it } from 'vitest';
import { NotMetricsResponseError } from '../../../src/forecast/errors.js';
import { parseMetricsResponse } from '../../../src/forecast/metricsResponse.js';
import { batchResponse, ramp, singleResourceResponse } from '../../support/metricsBuilders.js';

const LB = '/subscriptions/s/resourceGroups/MC_rg_aks_weu/providers/Microsoft.Network/loadBalancers/kubernetes';

describe('parseMetricsResponse', () => {
  it('reads a single-resource response with maximum, one node per backend IP', () => {
    const body = singleResourceResponse([
      { ip: '10.224.0.7', used: [1, 2, null, 4], allocated: 1024 },
      { ip: '10.224.0.8', used: [5, 5, 5, 5], allocated: null },
    ]);
    const [res] = parseMetricsResponse(body);
    expect(res?.resourceId).toBeNull();
    const hot = res?.nodes.find((n) => n.backendIp === '10.224.0.7');
    expect(hot?.used.map((s) => s.v)).toEqual([1, 2, null, 4]);
    expect(hot?.allocated.map((s) => s.v)).toEqual([1024, 1024, 1024, 1024]);
    expect(res?.nodes.find((n) => n.backendIp === '10.224.0.8')?.allocated).toEqual([]);
    expect(hot?.failed).toBeUndefined();
  });

  it('reads a batch response with average, whatever the dimension name casing', () => {
    const body = batchResponse(
      [
        { resourceId: LB, nodes: [{ ip: '10.224.0.4', used: ramp(10, 1, 5), allocated: 512 }] },
        { resourceId: `${LB}2`, nodes: [{ ip: '10.224.0.4', used: ramp(20, 1, 5), allocated: 512 }] },
      ],
      { aggregation: 'average', dimensionName: 'BackendIPAddress' },
    );
    const res = parseMetricsResponse(body);
    expect(res.map((r) => r.resourceId)).toEqual([LB, `${LB}2`]);
    expect(res[1]?.nodes[0]?.used.map((s) => s.v)).toEqual([20, 21, 22, 23, 24]);
  });

  it('sums the series of one node over frontend IPs per minute', () => {
    const body = singleResourceResponse([{ ip: '10.0.0.1', used: [100, 200], allocated: 1000 }], { frontends: 2 });
    const [res] = parseMetricsResponse(body);
    expect(res?.nodes[0]?.used.map((s) => s.v)).toEqual([100, 200]);
    expect(res?.nodes[0]?.allocated.map((s) => s.v)).toEqual([1000, 1000]);
  });

  it('keeps only failed connections from SnatConnectionCount', () => {
    const body = singleResourceResponse([{ ip: '10.0.0.1', used: [1, 1], allocated: 64, failed: [0, 7] }]);
    const metrics = body.value as Array<{ timeseries: Array<{ metadatavalues: Array<{ value: string }> }> }>;
    // A successful-connection series next to it must not count.
    const ok = structuredClone(metrics[2]?.timeseries[0]) as { metadatavalues: Array<{ value: string }> };
    (ok.metadatavalues[1] as { value: string }).value = 'successful';
    metrics[2]?.timeseries.push(ok as never);
    const [res] = parseMetricsResponse(body);
    expect(res?.nodes[0]?.failed?.map((s) => s.v)).toEqual([0, 7]);
  });

  it('accepts a plain-string metric name', () => {
    const body = { value: [{ name: 'UsedSnatPorts', timeseries: [] }] };
    expect(parseMetricsResponse(body)).toEqual([{ resourceId: null, nodes: [] }]);
  });

  it.each([
    ['an array', []],
    ['a string', 'x'],
    ['an unrelated object', { kind: 'Pod' }],
    ['a metric without name', { value: [{ timeseries: [] }] }],
    ['a batch entry without value', { values: [{ resourceid: 'x' }] }],
    ['metrics without UsedSnatPorts', { value: [{ name: { value: 'ByteCount' }, timeseries: [] }] }],
    ['a non-list timeseries', { value: [{ name: { value: 'UsedSnatPorts' }, timeseries: {} }] }],
  ])('throws NotMetricsResponseError for %s', (_what, body) => {
    expect(() => parseMetricsResponse(body)).toThrow(NotMetricsResponseError);
  });
});
