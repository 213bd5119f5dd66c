/**
 * Writes the JSON Schemas of the normalized lead and of the lead file input format from the zod
 * schemas, so editors and other systems can validate against exactly what the code accepts.
 * Run: `npx node scripts/gen-lead-schema.ts`. A test fails when the committed files drift.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LeadSchema } from '../src/domain/lead.ts';
import { LeadInputSchema } from '../src/normalize/lead-input-schema.ts';

export const LEAD_SCHEMA_FILES = {
  lead: 'docs/schema/lead.schema.json',
  leadInput: 'docs/schema/lead-input.schema.json',
} as const;

/** File contents by repository-relative path. */
export function generateLeadSchemas(): Record<string, string> {
  const lead = withTitle(
    z.toJSONSchema(LeadSchema),
    'Lead',
    'The normalized, CRM-neutral lead the toss-up engine consumes (docs/lead-model.md).',
  );
  // `io: 'input'` describes what may be written into a file, not what parsing yields.
  const input = withTitle(
    z.toJSONSchema(LeadInputSchema, { io: 'input' }),
    'LeadInput',
    'One lead in a file for `tossup score --input` (a JSON Lines record; CSV rows use the same paths as dotted headers). See docs/lead-model.md.',
  );
  return {
    [LEAD_SCHEMA_FILES.lead]: `${JSON.stringify(lead, null, 2)}\n`,
    [LEAD_SCHEMA_FILES.leadInput]: `${JSON.stringify(input, null, 2)}\n`,
  };
}

function withTitle(
  schema: Record<string, unknown>,
  title: string,
  description: string,
): Record<string, unknown> {
  const { $schema, ...rest } = schema;
  return { $schema, title, description, ...rest };
}

if (import.meta.main) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  for (const [path, content] of Object.entries(generateLeadSchemas())) {
    await writeFile(`${root}${path}`, content);
    console.log(`wrote ${path}`);
  }
}
