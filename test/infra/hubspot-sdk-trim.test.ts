import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { trimHubspotSdk } from '../../scripts/trim-hubspot-sdk.ts';

/**
 * The HubSpot SDK areas the build leaves out (scripts/trim-hubspot-sdk.ts) must be exactly the ones
 * the connector never uses: a probe bundled with the same plugin constructs the connector's client
 * (which creates every API it uses) and then asks for an area that was left out.
 */
const ROOT = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'tossup-trim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('trimHubspotSdk', () => {
  it('keeps every API the HubSpot connector touches and leaves out the CMS, marketing, automation…', async () => {
    const trim = trimHubspotSdk(join(ROOT, 'connectors', 'hubspot'));
    expect(trim.kept).toEqual(
      expect.arrayContaining(['crm', 'objects', 'associations', 'properties', 'owners']),
    );
    // Every object type goes through the generic objects API, so no per-type client is kept.
    expect(trim.trimmed).toEqual(
      expect.arrayContaining(['cms', 'marketing', 'automation', 'contacts', 'companies', 'deals', 'tasks']),
    );

    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    const probe = join(work, 'probe.mjs');
    await esbuild.build({
      stdin: {
        contents: [
          `import { HubspotClient } from ${JSON.stringify(join(ROOT, 'connectors', 'hubspot', 'client.ts'))};`,
          `const client = new HubspotClient({ accessToken: async () => 'token', timeoutMs: 1000 });`,
          `let cms = 'present';`,
          `try { client['sdk'].cms; } catch (e) { cms = e.message; }`,
          `process.stdout.write(JSON.stringify({ constructed: true, cms }));`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      outfile: probe,
      bundle: true,
      platform: 'node',
      format: 'esm',
      banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
      plugins: [trim.plugin],
      logLevel: 'silent',
    });
    const r = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      constructed: true,
      cms: `the HubSpot SDK's "cms" API is not in this bundle: the connector did not mention it when scripts/build-lambdas.ts built it`,
    });
  });

  it('reads code only: names in strings or comments keep nothing, and a nested area must be read from its parent', () => {
    const dir = join(work, 'connector');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'client.ts'),
      [
        '// sdk.cms.blogs is not used, and no limiterOptions are passed',
        "const hint = 'crm.schemas.contacts.read';",
        'export function use(sdk: any, record: any) {',
        '  const crm = sdk.crm;',
        '  return [hint, crm.contacts.basicApi, sdk.crm.objects.tasks.batchApi, record.notes];',
        '}',
      ].join('\n'),
    );
    const trim = trimHubspotSdk(dir);
    expect(trim.kept).toEqual(['crm', 'contacts', 'objects', 'tasks']);
    expect(trim.trimmed).toEqual(expect.arrayContaining(['cms', 'schemas', 'notes', 'limiter (bottleneck)']));
  });
});
