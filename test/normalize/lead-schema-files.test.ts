import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateLeadSchemas, LEAD_SCHEMA_FILES } from '../../scripts/gen-lead-schema.ts';

const root = new URL('../../', import.meta.url);

describe('Committed lead JSON Schemas', () => {
  it.each(Object.values(LEAD_SCHEMA_FILES))(
    '%s equals a fresh generation (run `npx node scripts/gen-lead-schema.ts`)',
    async (path) => {
      // Prepare
      const committed = await readFile(new URL(path, root), 'utf8');
      // Act
      const fresh = generateLeadSchemas()[path];
      // Assess
      expect(committed).toBe(fresh);
    },
  );

  it('describes a lead with every top-level Lead field required and the input with only id required', () => {
    // Act
    const files = generateLeadSchemas();
    const lead = JSON.parse(files[LEAD_SCHEMA_FILES.lead]!) as { required: string[] };
    const input = JSON.parse(files[LEAD_SCHEMA_FILES.leadInput]!) as { required: string[] };
    // Assess
    expect(lead.required).toEqual(
      expect.arrayContaining(['id', 'company', 'person', 'hearing', 'dataIssues']),
    );
    expect(input.required).toEqual(['id']);
  });
});
