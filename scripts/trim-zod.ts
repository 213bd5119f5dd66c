import { readFileSync } from 'node:fs';
import type * as esbuild from 'esbuild';

/**
 * `import { z } from 'zod'` binds the namespace that zod's entry re-exports (`export { z }`), and
 * esbuild cannot see through a re-exported namespace: it keeps all of zod, every locale (~50 of
 * them), JSON-schema import and export included, about 370 KB of a Lambda bundle. Read as
 * `import * as z from 'zod'` the same members come from the same module, and esbuild keeps only the
 * ones the code reaches (`z.object` becomes a direct reference). Types are erased either way, and
 * zod's entry exports exactly the members of `z` plus `z` and `default`, which the source never
 * reads through `z`.
 *
 * The rewrite happens while bundling only, for our own TypeScript files; the sources keep the
 * idiomatic import.
 */
const NAMED_Z_IMPORT = /\bimport\s*\{\s*z\s*\}\s*from\s*(['"])zod\1/g;

export function trimZod(): esbuild.Plugin {
  return {
    name: 'tossup-trim-zod',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const text = readFileSync(args.path, 'utf8');
        const contents = text.replace(NAMED_Z_IMPORT, "import * as z from 'zod'");
        return contents === text ? undefined : { contents, loader: 'ts' };
      });
    },
  };
}
