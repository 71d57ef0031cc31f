import { describe, expect, it } from 'vitest';
import { allowed } from './permissions';

describe('permissions of a nurse', () => {
  it('reads the chart and checks patients in, but writes no diagnosis and sees no audit log', () => {
    expect(allowed('nurse', 'records.read')).toBe(true);
    expect(allowed('nurse', 'appointments.update')).toBe(true);
    expect(allowed('nurse', 'records.create')).toBe(false);
    expect(allowed('nurse', 'audit.read')).toBe(false);
    expect(allowed('nurse', 'users.manage')).toBe(false);
    expect(allowed('staff', 'records.read')).toBe(false);
  });
});
