import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as esbuild from 'esbuild';

/**
 * @hubspot/api-client carries a generated client for every HubSpot API (CMS, marketing, automation,
 * …): about 4.5 MB of a 5.7 MB worker bundle, for a connector that uses a handful of CRM APIs. The
 * SDK creates each area lazily in a getter (`get cms() { require('./discovery/cms/CmsDiscovery') }`),
 * so an area the connector never touches can be left out of the bundle.
 *
 * What is kept is derived from the connector's code, not listed. The discovery classes form a tree
 * (client → `crm` → `objects` → `tasks`, `crm` → `associations` → `v4`, …). A top-level area stays
 * when the connector's code uses its name as a property (`.crm`, `.oauth`, `.events`); a nested one
 * only when the code reads it from its parent (`objects.tasks`, `crm.associations`, where `crm` may
 * be the property or a variable of that name), so an unrelated `.notes` or `.calls` keeps nothing.
 * Comments and strings do not count: the code is read through esbuild with its properties renamed
 * (`mangleProps`), which renames property accesses and leaves strings alone. The other areas are
 * replaced by a class that throws "not in this bundle" if it is ever constructed.
 *
 * Likewise the SDK's optional rate limiter (Bottleneck, ~60 KB) is only constructed when the client
 * is given `limiterOptions`; if the connector's code never names that property it is left out.
 *
 * A use the reading misses (`sdk['crm']`, a destructured area) would fail the first invocation, not
 * a run in the middle: the connector's client creates every API it uses when it is constructed
 * (`touchApis`), and test/infra/hubspot-sdk-trim.test.ts constructs it from a bundle built with this
 * plugin.
 */
const ROOT_DISCOVERY = 'client.js';
const GETTER = /get (\w+)\(\)\s*\{[^}]*?require\('(\.\/[^']+)'\)/g;
const LIMITER_OPTION = 'limiterOptions';
/** Prefix of every renamed property: cannot occur in the connector's own strings or names. */
const MEMBER = '__tossupMember_';

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
  const code = propertiesOf(connectorDir);
  const isProperty = (name: string) => new RegExp(`\\.${MEMBER}${name}\\b`).test(code);
  const readFrom = (parent: string, name: string) =>
    new RegExp(`(?:\\b${parent}|\\.${MEMBER}${parent})\\??\\.${MEMBER}${name}\\b`).test(code);
  /** `<importer file>\0<required path>` of the areas to leave out. */
  const leaveOut = new Map<string, string>();
  const kept: string[] = [];
  const visit = (file: string, parent: string | null) => {
    const text = readFileSync(file, 'utf8');
    for (const [, getter, path] of text.matchAll(GETTER)) {
      if (parent === null ? isProperty(getter!) : readFrom(parent, getter!)) {
        kept.push(getter!);
        visit(`${join(dirname(file), path!)}.js`, getter!);
      } else {
        leaveOut.set(`${file}\u0000${path}`, getter!);
      }
    }
  };
  visit(join(sdkSrc, ROOT_DISCOVERY), null);
  const limiterFile = join(sdkSrc, 'services', 'decorators', 'LimiterDecorator.js');
  const keepLimiter = isProperty(LIMITER_OPTION);
  return {
    kept,
    trimmed: [...leaveOut.values(), ...(keepLimiter ? [] : ['limiter (bottleneck)'])],
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
        build.onResolve({ filter: /^bottleneck$/ }, (args) =>
          !keepLimiter && args.importer === limiterFile
            ? { path: 'bottleneck', namespace: 'hubspot-trimmed-limiter' }
            : undefined,
        );
        build.onLoad({ filter: /.*/, namespace: 'hubspot-trimmed-limiter' }, () => ({
          contents: `module.exports = class { constructor() { throw new Error(${JSON.stringify(
            `the HubSpot SDK's rate limiter (bottleneck) is not in this bundle: the connector's code did not name "${LIMITER_OPTION}" when scripts/build-lambdas.ts built it`,
          )}); } };`,
          loader: 'js',
        }));
      },
    },
  };
}

/**
 * The connector's code with every property renamed to `__tossupMember_<name>` and without comments:
 * property accesses are then told apart from the same words in strings.
 */
function propertiesOf(dir: string): string {
  return sourceFiles(dir)
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      const words = new Set(text.match(/[A-Za-z_$][\w$]*/g));
      const mangleCache = Object.fromEntries([...words].map((w) => [w, `${MEMBER}${w}`]));
      return esbuild.transformSync(text, {
        loader: 'ts',
        sourcefile: file,
        mangleProps: /./,
        mangleQuoted: false,
        mangleCache,
        logLevel: 'silent',
      }).code;
    })
    .join('\n');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .flatMap((path) =>
      statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [],
    );
}
