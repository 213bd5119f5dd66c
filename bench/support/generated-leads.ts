import { generatePeople, planWorld } from '../../emulators/world/generate.ts';
import { worldPersonToLeadInput } from '../../emulators/world/world-lead-input.ts';
import type { Lead } from '../../src/domain/lead.ts';
import type { LeadInput } from '../../src/normalize/lead-input.ts';
import { normalizeLead } from '../../src/normalize/lead-input.ts';

/** Lead-file records from the deterministic sample world, streamed (people are not kept). */
export function* generatedLeadInputs(leads: number, seed: number, asOf: string): Generator<LeadInput> {
  const plan = planWorld({ seed, leads, asOf });
  const companies = new Map(plan.frame.companies.map((c) => [c.key, c]));
  for (const person of generatePeople(plan)) {
    const company = companies.get(person.companyKey);
    if (!company) throw new Error(`person ${person.key} refers to unknown company ${person.companyKey}`);
    yield worldPersonToLeadInput(person, company);
  }
}

/** The same, normalized into `Lead`s as connectors hand them to the engine. */
export function* generatedLeads(leads: number, seed: number, asOf: string): Generator<Lead> {
  for (const input of generatedLeadInputs(leads, seed, asOf)) {
    const r = normalizeLead(input);
    if (r.ok) yield r.lead;
  }
}
