import { describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import { rawFetch, startEmulator } from './fixtures.ts';

describe('Date header', () => {
  it('follows the emulator clock, so clients can place "modified since" watermarks on it', async () => {
    const clock = new EmulatorClock();
    clock.pin('2025-04-01T12:34:56.789Z');
    const hs = await startEmulator({ clock, rateLimits: { enabled: false } });
    const ok = await rawFetch(hs, '/crm/v3/properties/contacts');
    expect(ok.headers.get('date')).toBe('Tue, 01 Apr 2025 12:34:56 GMT');
    const unauthorized = await rawFetch(hs, '/crm/v3/properties/contacts', { token: null });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('date')).toBe('Tue, 01 Apr 2025 12:34:56 GMT');
  });
});
