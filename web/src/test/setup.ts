// The browser's zone in every test is far from the fake clinic's (America/New_York):
// the UI must show and read the clinic's clock, never the browser's.
process.env.TZ = 'Asia/Tokyo';
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { tokens } from '../api';
import { setClinicZone } from '../lib/format';
import { CLINIC_ZONE } from './fakeServer';

// CI machines are small and run test files in parallel: give findBy/waitFor time.
configure({ asyncUtilTimeout: 5000 });

beforeEach(() => {
  setClinicZone(CLINIC_ZONE);
  sessionStorage.clear();
  localStorage.clear();
  // Signed in unless a test signs out: the fake server answers GET /api/auth/me with an admin.
  tokens.set('A', 'R');
  window.history.replaceState(null, '', '/');
});

afterEach(() => {
  cleanup();
});
