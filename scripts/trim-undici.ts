import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as esbuild from 'esbuild';

/**
 * jsforce is undici's only user in a bundle, and `lib/request.js` takes five names from it: `fetch`,
 * `Agent`, `ProxyAgent`, `Response` and `errors`. undici's entry (CommonJS, so esbuild cannot shake
 * it) also loads WebSocket, EventSource, the cache stores, the mock agents, every interceptor and two
 * builds of the experimental Milo HTTP parser: about 340 KB of the 730 KB undici added to a bundle.
 *
 * In a bundle, `require('undici')` therefore gets an entry with exactly what the requiring modules
 * use, loaded from undici's own files, plus the entry's two side effects that the used parts depend
 * on: the request API on `Dispatcher.prototype` (ProxyAgent tunnels with `client.connect()`) and the
 * global dispatcher `lib/global.js` installs on load. `fetch` is wrapped as undici's entry wraps it
 * (the caller's stack is appended to a rejection). The names are derived: every `undici_1.<name>` a
 * requiring module reads must be one this entry provides, or the build stops.
 *
 * Milo only runs when `UNDICI_USE_MILO` is set (the stack never sets it; llhttp, the default parser,
 * stays); its two WASM builds (~150 KB) are replaced by a module that says so if it is ever loaded,
 * and the entry refuses to load with that variable set, so the function fails at start-up with the
 * reason instead of failing every call with "fetch failed".
 */
const PROVIDED: Record<string, string> = {
  Agent: "require('./lib/dispatcher/agent')",
  ProxyAgent: "require('./lib/dispatcher/proxy-agent')",
  errors: "require('./lib/core/errors')",
  Response: "require('./lib/web/fetch/response').Response",
  fetch: 'fetch',
};

const MILO_MISSING =
  "undici's Milo parser is not in this bundle (scripts/trim-undici.ts); unset UNDICI_USE_MILO to use llhttp";

const ENTRY = `'use strict'
// Fail at start-up, not with an unexplained "fetch failed" on the first call.
if (process.env.UNDICI_USE_MILO === '1' || process.env.UNDICI_USE_MILO === 'true') {
  throw new Error(${JSON.stringify(MILO_MISSING)})
}
const Dispatcher = require('./lib/dispatcher/dispatcher')
Object.assign(Dispatcher.prototype, require('./lib/api'))
require('./lib/global')
const fetchImpl = require('./lib/web/fetch').fetch
function fetch (init, options = undefined) {
  return fetchImpl(init, options).catch(err => {
    if (err && typeof err === 'object') Error.captureStackTrace(err, fetch)
    throw err
  })
}
${Object.entries(PROVIDED)
  .map(([name, value]) => `module.exports.${name} = ${value}`)
  .join('\n')}
`;

export class UndiciTrimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UndiciTrimError';
  }
}

export function trimUndici(): esbuild.Plugin {
  const undiciDir = dirname(createRequire(import.meta.url).resolve('undici/package.json'));
  return {
    name: 'tossup-trim-undici',
    setup(build) {
      build.onResolve({ filter: /^undici$/ }, (args) => {
        if (args.kind !== 'require-call') {
          throw new UndiciTrimError(
            `${args.importer} imports undici as ESM; scripts/trim-undici.ts only knows CommonJS users (extend it)`,
          );
        }
        const text = readFileSync(args.importer, 'utf8');
        const binding = /(\w+)\s*=\s*(?:__importStar\()?require\((['"])undici\2\)/.exec(text)?.[1];
        const used = binding
          ? new Set([...text.matchAll(new RegExp(`\\b${binding}\\.(\\w+)`, 'g'))].map((m) => m[1]!))
          : null;
        const missing = used
          ? [...used].filter((n) => !(n in PROVIDED))
          : ['(undici bound in a way not recognised)'];
        if (missing.length) {
          throw new UndiciTrimError(
            `${args.importer} uses undici's ${missing.join(', ')}, which scripts/trim-undici.ts does not provide (add it there)`,
          );
        }
        return { path: 'undici', namespace: 'tossup-undici' };
      });
      build.onLoad({ filter: /.*/, namespace: 'tossup-undici' }, () => ({
        contents: ENTRY,
        loader: 'js',
        resolveDir: undiciDir,
      }));
      build.onResolve({ filter: /[\\/]milo[\\/](no-)?simd\.js$/ }, (args) =>
        args.importer.startsWith(join(undiciDir, 'lib'))
          ? { path: args.path, namespace: 'tossup-undici-milo' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'tossup-undici-milo' }, () => ({
        contents: `throw new Error(${JSON.stringify(MILO_MISSING)});`,
        loader: 'js',
      }));
    },
  };
}
