import { Command, InvalidArgumentError } from 'commander';
import { generateWorld } from './generate.ts';
import { generatePeople } from './generate-people.ts';
import type { World } from './world.ts';
import { loadWorldFile, writeWorldFile } from './world-file.ts';
import { planWorld } from './world-plan.ts';
import { decisionMix, profileWorld } from './world-profile.ts';

/**
 * Make, inspect and time sample-world data files.
 *
 *   npx node emulators/world/world-cli.ts generate --leads 20000 --out data/world.jsonl
 *   npx node emulators/world/world-cli.ts profile --data data/world.jsonl
 *   npx node emulators/world/world-cli.ts bench --leads 1000000
 */

/** Fixed default so two runs without `--as-of` produce the same file. */
export const DEFAULT_AS_OF = '2026-09-01T00:00:00.000Z';

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

const percent = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, `${(v * 100).toFixed(1)}%`]));

function printProfile(world: World, withDecisions: boolean): void {
  const profile = profileWorld(world);
  console.log('counts', profile.counts);
  console.log('rates', percent(profile.rates));
  console.log('activities per person', profile.activitiesPerPerson);
  if (!withDecisions) return;
  for (const [name, mix] of Object.entries(decisionMix(world))) {
    const meets =
      mix.meetsScoreThresholds === null
        ? ''
        : ` (scores meet thresholds: ${percent({ x: mix.meetsScoreThresholds }).x})`;
    console.log(`${name} rules${meets}`, percent(mix.outcomes));
  }
}

const program = new Command('world').description('Sample-world data sets for the CRM emulators');

program
  .command('generate')
  .description('write a world file (JSON Lines), streaming people so any size fits in memory')
  .requiredOption('--out <file>', 'where to write the .jsonl file')
  .option('--leads <n>', 'number of people', integer('--leads', 1), 2000)
  .option('--seed <n>', 'random seed', integer('--seed', 0), 1)
  .option('--as-of <iso>', 'the data set\'s "now"', DEFAULT_AS_OF)
  .action(async (options: { out: string; leads: number; seed: number; asOf: string }) => {
    const started = performance.now();
    const plan = planWorld({ seed: options.seed, leads: options.leads, asOf: options.asOf });
    const { records } = await writeWorldFile(options.out, plan.frame, generatePeople(plan));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${options.out}: ${records} records (${options.leads} people) in ${seconds} s`);
  });

program
  .command('profile')
  .description('print the mix of a world file, or of a generated world')
  .option('--data <file>', 'a world file; without it a world is generated from the options below')
  .option('--leads <n>', 'number of people', integer('--leads', 1), 20000)
  .option('--seed <n>', 'random seed', integer('--seed', 0), 1)
  .option('--as-of <iso>', 'the data set\'s "now"', DEFAULT_AS_OF)
  .option('--decisions', 'also decide every person with the small/mid/large preset rules (slower)')
  .action(
    async (options: { data?: string; leads: number; seed: number; asOf: string; decisions?: boolean }) => {
      const world = options.data
        ? await loadWorldFile(options.data)
        : generateWorld({ seed: options.seed, leads: options.leads, asOf: options.asOf });
      printProfile(world, options.decisions === true);
    },
  );

program
  .command('bench')
  .description('time generating a world in memory (or streamed with --stream) and report memory')
  .option('--leads <n>', 'number of people', integer('--leads', 1), 1_000_000)
  .option('--seed <n>', 'random seed', integer('--seed', 0), 1)
  .option('--as-of <iso>', 'the data set\'s "now"', DEFAULT_AS_OF)
  .option('--stream', 'iterate people without keeping them')
  .action((options: { leads: number; seed: number; asOf: string; stream?: boolean }) => {
    const started = performance.now();
    let people = 0;
    let activities = 0;
    if (options.stream) {
      const plan = planWorld({ seed: options.seed, leads: options.leads, asOf: options.asOf });
      for (const person of generatePeople(plan)) {
        people++;
        activities += person.activities.length;
      }
    } else {
      const world = generateWorld({ seed: options.seed, leads: options.leads, asOf: options.asOf });
      people = world.people.length;
      for (const person of world.people) activities += person.activities.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const memory = process.memoryUsage();
    console.log(
      JSON.stringify({
        mode: options.stream ? 'stream' : 'memory',
        people,
        activities,
        seconds: Number(seconds.toFixed(2)),
        heapUsed: megabytes(memory.heapUsed),
        rss: megabytes(memory.rss),
      }),
    );
  });

await program.parseAsync();
