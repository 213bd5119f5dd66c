/**
 * Preload (`node --import ./scripts/count-modules.ts …`) that records every module the process loads,
 * so a test or benchmark can tell what a command pulled in (emulators? a CRM SDK?). The list of
 * loaded URLs (files and `node:` built-ins) is written as JSON to $TOSSUP_MODULES_OUT at exit.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.TOSSUP_MODULES_OUT;
const loaded = new Set<string>();

registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url);
    return nextLoad(url, context);
  },
});

// CommonJS files required from ESM also pass the load hook; `exit` sees the full set either way.
process.on('exit', () => {
  if (out) writeFileSync(out, JSON.stringify([...loaded].sort()));
});
