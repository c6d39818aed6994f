import { z } from 'zod';
import { permissionRequestId } from './request-id';

describe('permissionRequestId', () => {
  const run = '0b6c5f44-52a4-4a53-9f6e-1a2b3c4d5e6f';

  it('is a version-5 UUID that every attempt of the run computes alike', () => {
    const id = permissionRequestId(run, 'toolu_1');
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(id[14]).toBe('5');
    expect(permissionRequestId(run, 'toolu_1')).toBe(id);
  });

  it('differs per tool call and per run', () => {
    const ids = new Set([
      permissionRequestId(run, 'toolu_1'),
      permissionRequestId(run, 'toolu_2'),
      permissionRequestId('c1d2e3f4-0000-4000-8000-000000000000', 'toolu_1'),
    ]);
    expect(ids.size).toBe(3);
  });
});
