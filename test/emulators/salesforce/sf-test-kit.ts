import './no-proxy.ts';
import jsforce from 'jsforce';
import { afterEach } from 'vitest';
import {
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  startSalesforceEmulator,
} from '../../../emulators/salesforce/index.ts';

export { jsforce };
export type Connection = InstanceType<typeof jsforce.Connection>;

const running: SalesforceEmulator[] = [];

/** Starts an emulator that is closed after the current test. */
export async function startEmu(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
  const emu = await startSalesforceEmulator(options);
  running.push(emu);
  return emu;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

/** A jsforce connection configured the way the connector configures it (OAuth client creds). */
export function connection(emu: SalesforceEmulator, version = '62.0'): Connection {
  const { clientId, clientSecret } = emu.credentials;
  return new jsforce.Connection({
    loginUrl: emu.loginUrl,
    version,
    oauth2: { clientId, clientSecret, loginUrl: emu.loginUrl },
  });
}

/** Logged-in connection (OAuth username-password flow). */
export async function login(emu: SalesforceEmulator, version = '62.0'): Promise<Connection> {
  const conn = connection(emu, version);
  await conn.login(emu.credentials.username, emu.credentials.password);
  return conn;
}

/** Raw REST call with a bearer token, for wire details jsforce hides. */
export async function raw(
  emu: SalesforceEmulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(
  p: PromiseLike<unknown>,
): Promise<Error & { errorCode?: string; data?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { errorCode?: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
