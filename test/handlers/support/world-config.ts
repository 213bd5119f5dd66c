import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { EmulatorClock } from '../../../emulators/shared/emulator-clock.ts';
import type { generateWorld } from '../../../emulators/world/generate.ts';
import { routingYamlForWorld } from '../../../emulators/world-routing.ts';
import { compileBundledConfig } from '../../../src/handlers/bundled-config.ts';
import type { TestClock } from '../../state/state-store.contract.ts';

/**
 * The bundle's admin files for a generated world, in `dir` (a function's TOSSUP_CONFIG_DIR): its
 * routing, the shipped SLA, notifications and rules, compiled for `crm` as the build does.
 */
export function writeWorldConfig(
  dir: string,
  crm: 'salesforce' | 'hubspot',
  world: ReturnType<typeof generateWorld>,
  ids: Parameters<typeof routingYamlForWorld>[1],
): void {
  writeFileSync(join(dir, 'routing.yaml'), routingYamlForWorld(world, ids));
  copyFileSync('mappings/sla.yaml', join(dir, 'sla.yaml'));
  // Every team message to one channel: the shipped file names pools this world's routing lacks.
  const notifications = parseYaml(readFileSync('mappings/notifications.yaml', 'utf8'));
  notifications.slack = { defaultChannel: '#field-sales' };
  writeFileSync(join(dir, 'notifications.yaml'), toYaml(notifications));
  // The large preset with holds that expire, so holds carry a re-check.
  const rules = parseYaml(readFileSync('mappings/rules/large.yaml', 'utf8'));
  for (const r of rules.rules) if (r.id === 'strategic_target') r.holdExpiresAfter = '2 days';
  rules.missingData.holdExpiresAfter = '2 days';
  writeFileSync(join(dir, 'rules.yaml'), toYaml(rules));
  writeFileSync(
    join(dir, 'options.json'),
    JSON.stringify({ locale: 'ja', queueTaskOwners: {}, sources: {} }),
  );
  if (!compileBundledConfig(dir, crm)) throw new Error('the bundled config did not compile');
}

/**
 * One clock for the functions and the emulators, pinned an hour after the world's `asOf`: a run
 * moves it (days, a visibility timeout) without waiting.
 */
export function sharedClock(asOf: string): { emuClock: EmulatorClock; clock: TestClock } {
  const emuClock = new EmulatorClock();
  emuClock.pin(new Date(Date.parse(asOf) + 3_600_000).toISOString());
  return { emuClock, clock: { now: () => new Date(emuClock.now()), advance: (ms) => emuClock.advance(ms) } };
}
