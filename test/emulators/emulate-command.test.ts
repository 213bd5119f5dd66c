import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { parseRoutingConfig } from '../../src/routing/routing-config.ts';

describe('tossup emulate', () => {
  it('prints one JSON line with working credentials and env, then stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [new URL('../../src/cli/main.ts', import.meta.url).pathname, 'emulate', '--leads', '60', '--seed', '3'],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: new URL('../..', import.meta.url).pathname },
    );
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const info = JSON.parse(first);
    try {
      expect(Object.keys(info)).toEqual(['salesforce', 'hubspot', 'env']);
      // The Salesforce token endpoint accepts the printed credentials (password grant).
      const token = await fetch(`${info.salesforce.loginUrl}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          client_id: info.salesforce.clientId,
          client_secret: info.salesforce.clientSecret,
          username: info.salesforce.username,
          password: info.salesforce.password,
        }),
      });
      expect(token.status).toBe(200);
      // HubSpot answers the printed token, and holds the generated contacts.
      const contacts = await fetch(`${info.hubspot.basePath}/crm/v3/objects/contacts?limit=1`, {
        headers: { authorization: `Bearer ${info.hubspot.accessToken}` },
      });
      expect(contacts.status).toBe(200);
      expect(info.env).toMatchObject({
        TOSSUP_SALESFORCE_LOGIN_URL: info.salesforce.loginUrl,
        TOSSUP_HUBSPOT_ACCESS_TOKEN: info.hubspot.accessToken,
      });
      // The generated routing file is valid for both CRMs; its path is absolute, usable from any directory.
      expect(isAbsolute(info.env.TOSSUP_ROUTING!)).toBe(true);
      const routing = readFileSync(info.env.TOSSUP_ROUTING!, 'utf8');
      for (const crm of ['salesforce', 'hubspot'] as const) {
        expect(() => parseRoutingConfig(routing, info.env.TOSSUP_ROUTING, { crm })).not.toThrow();
      }
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });
});
