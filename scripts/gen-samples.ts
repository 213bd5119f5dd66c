// Regenerates samples/leads.jsonl, the bundled sample leads: npx node scripts/gen-samples.ts
import { writeFileSync } from 'node:fs';
import { generatedLeadInputs } from '../bench/support/generated-leads.ts';

export const SAMPLE = { leads: 300, seed: 7, asOf: '2026-11-20T09:00:00.000Z' } as const;

// Only the e-mail domain is kept: the generated addresses look real and a committed sample
// should not carry anything that reads as personal data.
const lines = [...generatedLeadInputs(SAMPLE.leads, SAMPLE.seed, SAMPLE.asOf)].map(({ person, ...lead }) => {
  const { email, ...rest } = (person ?? {}) as { email?: string | null };
  const emailDomain = email?.split('@')[1] ?? null;
  return JSON.stringify({ ...lead, person: { ...rest, emailDomain } });
});
writeFileSync(new URL('../samples/leads.jsonl', import.meta.url), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${lines.length} sample leads\n`);
