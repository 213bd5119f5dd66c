import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as esbuild from 'esbuild';

/**
 * form-data (used by jsforce and by the HubSpot SDK's transport) looks up content types with
 * mime-types, which loads all of mime-db: 2,300 media types with fields mime-types never reads,
 * 137 KB of every CRM bundle. mime-types only reads a type's `extensions`, `charset` and `source`,
 * and only for types that have extensions (its lookup maps) or a charset (`charset()`); for any
 * other type it behaves as if the type were absent.
 *
 * So when mime-types requires mime-db, the bundle gets the same database with exactly those types
 * and fields, about half the size. Which fields mime-types reads is checked, not assumed: if its
 * source mentions a database field this compaction drops, the build stops. Other users of mime-db
 * (none today) would get the full database.
 */
export const MIME_TYPES_FIELDS = ['source', 'extensions', 'charset'] as const;

export class MimeDbTrimError extends Error {
  constructor(message: string) {
    super(`scripts/trim-mime-db.ts: ${message}`);
    this.name = 'MimeDbTrimError';
  }
}

type MimeDb = Record<string, Record<string, unknown>>;

export function compactMimeDb(db: MimeDb, mimeTypesSource: string): MimeDb {
  const dropped = new Set(Object.values(db).flatMap((entry) => Object.keys(entry)));
  for (const kept of MIME_TYPES_FIELDS) dropped.delete(kept);
  const read = [...dropped].filter((field) =>
    new RegExp(`\\.${field}\\b|\\[['"]${field}['"]\\]`).test(mimeTypesSource),
  );
  if (read.length) {
    throw new MimeDbTrimError(`mime-types reads ${read.join(', ')} from mime-db, which the compaction drops`);
  }
  const compact: MimeDb = {};
  for (const [type, entry] of Object.entries(db)) {
    if (!entry.extensions && !entry.charset) continue;
    compact[type] = Object.fromEntries(MIME_TYPES_FIELDS.filter((f) => f in entry).map((f) => [f, entry[f]]));
  }
  return compact;
}

export function trimMimeDb(): esbuild.Plugin {
  const compacted = new Map<string, string>();
  return {
    name: 'tossup-trim-mime-db',
    setup(build) {
      // The namespaced path is the requiring mime-types module: its own source and its own mime-db.
      build.onResolve({ filter: /^mime-db$/ }, (args) =>
        /[\\/]mime-types[\\/]index\.js$/.test(args.importer)
          ? { path: args.importer, namespace: 'tossup-mime-db' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'tossup-mime-db' }, (args) => {
        let contents = compacted.get(args.path);
        if (contents === undefined) {
          const db = createRequire(args.path)('mime-db') as MimeDb;
          contents = JSON.stringify(compactMimeDb(db, readFileSync(args.path, 'utf8')));
          compacted.set(args.path, contents);
        }
        return { contents, loader: 'json' };
      });
    },
  };
}
