import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as esbuild from 'esbuild';

/**
 * @hubspot/api-client carries a generated client for every HubSpot API (CMS, marketing, automation,
 * …): about 4.5 MB of a 5.7 MB worker bundle, for a connector that uses a handful of CRM APIs. The
 * SDK creates each area lazily in a getter (`get cms() { require('./discovery/cms/CmsDiscovery') }`),
 * so an area the connector never touches can be left out of the bundle.
 *
 * What is kept is derived, not listed: every getter of the SDK's discovery classes whose name the
 * connector's source mentions as a member (`.contacts`, `.tasks`, `.oauth`, …) stays; the others
 * are replaced by a class that throws "not in this bundle" if it is ever constructed. Mentioning a
 * name that is not an SDK area keeps more than needed, never less. The connector's client creates
 * every API it uses when it is constructed (`touchApis`), so a missing one would fail the first
 * invocation, not a run in the middle.
 */
const DISCOVERY_FILES = [
  'client.js',
  'discovery/crm/CrmDiscovery.js',
  'discovery/crm/objects/ObjectsDiscovery.js',
];
const GETTER = /get (\w+)\(\)\s*\{[^}]*?require\('(\.\/[^']+)'\)/g;

export interface HubspotTrim {
  plugin: esbuild.Plugin;
  /** Getter names kept and left out, for the build log. */
  kept: string[];
  trimmed: string[];
}

export function trimHubspotSdk(connectorDir: string): HubspotTrim {
  const sdkSrc = join(
    dirname(createRequire(import.meta.url).resolve('@hubspot/api-client/package.json')),
    'lib',
    'src',
  );
  const mentioned = new Set([...sourceText(connectorDir).matchAll(/\.(\w+)\b/g)].map((m) => m[1]!));
  /** `<importer file>\0<required path>` of the areas to leave out. */
  const leaveOut = new Map<string, string>();
  const kept: string[] = [];
  for (const file of DISCOVERY_FILES) {
    const text = readFileSync(join(sdkSrc, file), 'utf8');
    for (const [, getter, path] of text.matchAll(GETTER)) {
      if (mentioned.has(getter!)) kept.push(getter!);
      else leaveOut.set(`${join(sdkSrc, file)}\u0000${path}`, getter!);
    }
  }
  return {
    kept,
    trimmed: [...leaveOut.values()],
    plugin: {
      name: 'tossup-trim-hubspot-sdk',
      setup(build) {
        build.onResolve({ filter: /Discovery$/ }, (args) => {
          const area = leaveOut.get(`${args.importer}\u0000${args.path}`);
          return area ? { path: area, namespace: 'hubspot-trimmed' } : undefined;
        });
        build.onLoad({ filter: /.*/, namespace: 'hubspot-trimmed' }, (args) => ({
          contents: `exports.default = class { constructor() { throw new Error(${JSON.stringify(
            `the HubSpot SDK's "${args.path}" API is not in this bundle: the connector did not mention it when scripts/build-lambdas.ts built it`,
          )}); } };`,
          loader: 'js',
        }));
      },
    },
  };
}

function sourceText(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory()
        ? sourceText(path)
        : path.endsWith('.ts')
          ? readFileSync(path, 'utf8')
          : '',
    )
    .join('\n');
}
