import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { connectCrm, crmModule, overrideConnect } from '../../src/composition/crm-registry.ts';
import { fixedClock } from '../../src/ports/clock.ts';
import { FakeCrm } from '../fakes/fake-crm.ts';

/** Which CRM SDKs a fresh Node process holds after importing `file` (CommonJS packages land in the require cache). */
function sdksLoadedBy(file: string): { jsforce: boolean; hubspot: boolean } {
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(new URL(file, import.meta.url).href)});
    const keys = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ jsforce: keys.some((k) => /[\\\\/]jsforce[\\\\/]/.test(k)), hubspot: keys.some((k) => /[\\\\/]@hubspot[\\\\/]/.test(k)) }));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  );
}

describe('the CRM registry (src/composition/crm-registry.ts)', () => {
  it('costs no CRM SDK to import: settings, validate and the modules load one only to connect', () => {
    expect(sdksLoadedBy('../../src/cli/commands/validate.ts')).toEqual({ jsforce: false, hubspot: false });
    expect(sdksLoadedBy('../../src/handlers/connector-provider.ts')).toEqual({
      jsforce: false,
      hubspot: false,
    });
    // What `connect` loads: the check above would see it.
    expect(sdksLoadedBy('../../connectors/salesforce/live.ts')).toEqual({ jsforce: true, hubspot: false });
    expect(sdksLoadedBy('../../connectors/hubspot/live.ts')).toEqual({ jsforce: false, hubspot: true });
  });

  it('hands out one module per CRM and refuses a connector built for another CRM', async () => {
    expect(crmModule('salesforce').crm).toBe('salesforce');
    expect(crmModule('hubspot').crm).toBe('hubspot');
    overrideConnect('hubspot', () => new FakeCrm().connector());
    try {
      await expect(
        connectCrm(
          { crm: 'hubspot', settings: {} },
          { clock: fixedClock('2026-11-20T00:00:00Z'), dryRun: true },
        ),
      ).rejects.toThrow(/the hubspot module returned a connector for salesforce/);
    } finally {
      overrideConnect('hubspot', undefined);
    }
  });
});
