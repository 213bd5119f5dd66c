import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type HubspotEmulator, startHubspotEmulator } from './hubspot/index.ts';
import { type SalesforceEmulator, startSalesforceEmulator } from './salesforce/index.ts';
import { EmulatorClock } from './shared/emulator-clock.ts';
import { generateWorld } from './world/generate.ts';
import type { World } from './world/world.ts';
import { routingYamlForWorld } from './world-routing.ts';

export interface EmulatorsOptions {
  salesforcePort?: number;
  hubspotPort?: number;
  leads?: number;
  seed?: number;
  /**
   * The world's "now"; default the current time, so activity is recent for today's decisions. When
   * given, both emulators' clocks start there too (then run at real speed), so record timestamps,
   * HTTP dates and the world agree, and a run at the same instant and seed gives the same results.
   */
  asOf?: string;
  /** Where to write the generated routing file (default `.tossup/emulate`). */
  workDir?: string;
  rateLimits?: boolean;
}

export interface RunningEmulators {
  salesforce: SalesforceEmulator;
  hubspot: HubspotEmulator;
  world: World;
  routingFile: string;
  /** What `tossup emulate` prints: how to connect, and the env for `tossup sync`. */
  info: {
    salesforce: {
      loginUrl: string;
      clientId: string;
      clientSecret: string;
      username: string;
      password: string;
    };
    hubspot: { basePath: string; accessToken: string };
    env: Record<string, string>;
  };
  close(): Promise<void>;
}

/** Both CRM emulators seeded from one generated world, ready for the connectors. */
export async function startEmulators(options: EmulatorsOptions = {}): Promise<RunningEmulators> {
  const world = generateWorld({
    seed: options.seed ?? 1,
    leads: options.leads ?? 2000,
    asOf: options.asOf ?? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
  });
  const rateLimits = options.rateLimits ?? true;
  const clock = (): EmulatorClock => {
    const c = new EmulatorClock();
    // Shifted, not pinned: rate-limit windows and sessions must still move with real time.
    if (options.asOf) c.advance(Date.parse(options.asOf) - Date.now());
    return c;
  };
  const salesforce = await startSalesforceEmulator({
    port: options.salesforcePort ?? 0,
    world,
    rateLimits,
    clock: clock(),
  });
  let hubspot: HubspotEmulator;
  try {
    hubspot = await startHubspotEmulator({
      port: options.hubspotPort ?? 0,
      world,
      rateLimits: { enabled: rateLimits },
      clock: clock(),
    });
  } catch (e) {
    await salesforce.close();
    throw e;
  }
  // Absolute, so the printed env works from any directory.
  const workDir = resolve(options.workDir ?? '.tossup/emulate');
  mkdirSync(workDir, { recursive: true });
  const routingFile = join(workDir, 'routing.yaml');
  writeFileSync(
    routingFile,
    routingYamlForWorld(world, {
      salesforceUsers: salesforce.seeded?.users ?? new Map(),
      salesforceQueues: salesforce.seeded?.queues ?? new Map(),
      hubspotOwners: hubspot.seedSummary?.ids.owners ?? new Map(),
    }),
  );
  const c = salesforce.credentials;
  return {
    salesforce,
    hubspot,
    world,
    routingFile,
    info: {
      salesforce: {
        loginUrl: salesforce.loginUrl,
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        username: c.username,
        password: c.password,
      },
      hubspot: { basePath: hubspot.basePath, accessToken: hubspot.accessToken },
      env: {
        TOSSUP_SALESFORCE_LOGIN_URL: salesforce.loginUrl,
        TOSSUP_SALESFORCE_CLIENT_ID: c.clientId,
        TOSSUP_SALESFORCE_CLIENT_SECRET: c.clientSecret,
        TOSSUP_SALESFORCE_USERNAME: c.username,
        TOSSUP_SALESFORCE_PASSWORD: c.password,
        TOSSUP_HUBSPOT_BASE_PATH: hubspot.basePath,
        TOSSUP_HUBSPOT_ACCESS_TOKEN: hubspot.accessToken,
        // So record links (task notes, chat messages) point at this portal.
        TOSSUP_HUBSPOT_PORTAL_ID: String(hubspot.portalId),
        TOSSUP_ROUTING: routingFile,
      },
    },
    async close() {
      await Promise.all([salesforce.close(), hubspot.close()]);
    },
  };
}
