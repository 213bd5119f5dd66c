import { generatePeople } from './generate-people.ts';
import type { World } from './world.ts';
import { planWorld, type WorldOptions } from './world-plan.ts';

/**
 * The sample world both CRM emulators are seeded from: a Japanese B2B market as a sales-automation
 * SaaS vendor sees it (reps, companies, campaigns, leads and contacts with behaviour and IS
 * hearings), deterministic for a given seed, size and asOf.
 *
 * @example
 * const world = generateWorld({ seed: 42, leads: 2000, asOf: '2026-09-01T00:00:00Z' });
 *
 * For very large worlds, stream instead of holding every person:
 * @example
 * const plan = planWorld({ seed: 42, leads: 1_000_000, asOf });
 * for (const person of generatePeople(plan)) write(person);
 */
export function generateWorld(options: WorldOptions): World {
  const plan = planWorld(options);
  return { ...plan.frame, people: Array.from(generatePeople(plan)) };
}

export { generatePeople } from './generate-people.ts';
export { planWorld, type WorldFrame, type WorldOptions, type WorldPlan } from './world-plan.ts';
