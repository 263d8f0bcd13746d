import { describe, expect, it } from 'vitest';
import { eventTypeWord } from '../../../../src/evidence/parsers/inspektorGadget.js';

describe('eventTypeWord', () => {
  it('reads the word in any case and the one-letter form', () => {
    expect(['connect', 'ACCEPT', ' Close ', 'unknown'].map(eventTypeWord)).toEqual([
      'connect',
      'accept',
      'close',
      'unknown',
    ]);
    expect(['C', 'A', 'X', 'U'].map(eventTypeWord)).toEqual(['connect', 'accept', 'close', 'unknown']);
  });

  it('refuses other words and lower-case letters (c is not a type)', () => {
    expect(['c', 'connected', '', 'T'].map(eventTypeWord)).toEqual([null, null, null, null]);
  });
});
