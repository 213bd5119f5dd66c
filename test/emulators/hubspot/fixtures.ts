import { Client } from '@hubspot/api-client';
import { afterEach } from 'vitest';
import {
  type HubspotEmulator,
  type HubspotEmulatorOptions,
  startHubspotEmulator,
} from '../../../emulators/hubspot/index.ts';

export { tinyWorld } from './tiny-world.ts';

const running: HubspotEmulator[] = [];

/** Starts an emulator that is closed after the current test. */
export async function startEmulator(options: HubspotEmulatorOptions = {}): Promise<HubspotEmulator> {
  const hs = await startHubspotEmulator(options);
  running.push(hs);
  return hs;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((hs) => hs.close()));
});

/**
 * A fresh SDK client. The SDK keeps retry/limiter decorators in a process-wide singleton set by
 * the most recently built client, so build it right before use.
 */
export function sdk(hs: HubspotEmulator, extra: { numberOfApiCallRetries?: number } = {}): Client {
  return new Client({ accessToken: hs.accessToken, basePath: hs.basePath, ...extra });
}

export async function rawFetch(
  hs: HubspotEmulator,
  path: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers.authorization = `Bearer ${init.token ?? hs.accessToken}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${hs.basePath}${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
