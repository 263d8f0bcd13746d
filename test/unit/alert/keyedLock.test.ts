import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../../src/alert/keyedLock.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('KeyedMutex', () => {
  it('runs work for one key strictly one after another', async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        mutex.run('k', async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          events.push(`start ${i}`);
          await tick();
          events.push(`end ${i}`);
          inside -= 1;
        }),
      ),
    );
    expect(maxInside).toBe(1);
    expect(events.slice(0, 4)).toEqual(['start 0', 'end 0', 'start 1', 'end 1']);
    expect(mutex.activeKeys).toBe(0);
  });

  it('lets different keys run at the same time', async () => {
    const mutex = new KeyedMutex();
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await tick();
      inside -= 1;
    };
    await Promise.all([mutex.run('a', work), mutex.run('b', work)]);
    expect(maxInside).toBe(2);
  });

  it('passes results and errors through and keeps going after a failure', async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run('k', async () => {
      throw new Error('boom');
    });
    const next = mutex.run('k', async () => 42);
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
    expect(mutex.activeKeys).toBe(0);
  });
});
