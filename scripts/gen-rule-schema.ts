// Regenerates mappings/schema/rule-set.schema.json from the zod schema: npx node scripts/gen-rule-schema.ts
import { writeFileSync } from 'node:fs';
import { ruleSetJsonSchema } from '../src/config/rule-set-json-schema.ts';

const target = new URL('../mappings/schema/rule-set.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(ruleSetJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
