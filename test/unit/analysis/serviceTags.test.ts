import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceAdvice } from '../../../src/analysis/serviceAdvice.js';
import { parseServiceTags, ServiceTagIndex, ServiceTagsFormatError } from '../../../src/analysis/serviceTags.js';

const FILE = new URL('../../fixtures/service-tags/ServiceTags_Public_20261130.json', import.meta.url);
const doc = () => parseServiceTags(JSON.parse(readFileSync(FILE, 'utf8')));

describe('parseServiceTags', () => {
  it('reads the downloadable ServiceTags_Public JSON: change number, cloud, tags', () => {
    const d = doc();
    expect(d.changeNumber).toBe(318);
    expect(d.cloud).toBe('Public');
    expect(d.tags.find((t) => t.name === 'Storage.WestEurope')).toMatchObject({
      region: 'westeurope',
      systemService: 'AzureStorage',
    });
  });

  it('reads the ARM answer, whose change numbers are strings', () => {
    const d = parseServiceTags({
      changeNumber: '77',
      cloud: 'Public',
      values: [{ name: 'Sql', id: 'Sql', properties: { changeNumber: '3', addressPrefixes: ['20.61.0.0/16'] } }],
    });
    expect(d.changeNumber).toBe(77);
    expect(d.tags[0]).toEqual({ name: 'Sql', region: null, systemService: null, addressPrefixes: ['20.61.0.0/16'] });
  });

  it('throws a one-line error naming the field for anything else', () => {
    expect(() => parseServiceTags({ values: [{ name: 'x' }] })).toThrow(ServiceTagsFormatError);
    expect(() => parseServiceTags({ values: [{ name: 'x' }] })).toThrow(/values\.0\.properties/);
    expect(() => parseServiceTags([1, 2])).toThrow(/not a service-tag document/);
  });
});

describe('ServiceTagIndex', () => {
  const index = new ServiceTagIndex(doc());

  it('classifies IPv4 by the longest prefix, a regional service tag over its parent and over AzureCloud', () => {
    expect(index.lookup('20.60.1.12')).toEqual({
      tag: 'Storage.WestEurope',
      systemService: 'AzureStorage',
      region: 'westeurope',
    });
    // 52.239.170.36 is in Storage.WestEurope's /24, Storage's /17 and AzureCloud.westeurope's /17.
    expect(index.lookup('52.239.170.36')?.tag).toBe('Storage.WestEurope');
    // Only the global Storage /17 holds 52.239.130.1 (besides the AzureCloud tags).
    expect(index.lookup('52.239.130.1')?.tag).toBe('Storage');
  });

  it('classifies IPv6, and IPv4-mapped IPv6 as IPv4', () => {
    expect(index.lookup('2603:1020:200::17')?.tag).toBe('Storage.WestEurope');
    expect(index.lookup('2603:1061:13f1:4c1d::1')?.tag).toBe('AzureFrontDoor.Frontend');
    expect(index.lookup('::ffff:20.60.1.12')?.tag).toBe('Storage.WestEurope');
  });

  it('falls back to AzureCloud, and finds nothing outside Azure', () => {
    expect(index.lookup('20.1.2.3')?.tag).toBe('AzureCloud');
    expect(index.lookup('2603:1000::1')?.tag).toBe('AzureCloud');
    expect(index.lookup('8.8.8.8')).toBeNull();
    expect(index.lookup('2001:4860::8888')).toBeNull();
    expect(index.lookup('not-an-ip')).toBeNull();
  });

  it('skips a malformed prefix without losing the rest', () => {
    const i = new ServiceTagIndex(
      parseServiceTags({
        values: [{ name: 'Sql.X', properties: { addressPrefixes: ['20.61.0.0/99', 'junk', '20.61.0.0/16'] } }],
      }),
    );
    expect(i.lookup('20.61.4.4')?.tag).toBe('Sql.X');
  });
});

describe('serviceAdvice', () => {
  it('names the service and its private endpoint zone and service endpoint', () => {
    expect(serviceAdvice('Storage.WestEurope')).toEqual({
      service: 'Azure Storage',
      privateLinkZone: 'privatelink.blob.core.windows.net',
      serviceEndpoint: 'Microsoft.Storage',
    });
    expect(serviceAdvice('AzureMonitor')?.serviceEndpoint).toBeNull();
    expect(serviceAdvice('AzureCloud.westeurope')).toBeNull();
  });
});
