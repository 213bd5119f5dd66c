import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { startEmulators } from '../../../emulators/start-emulators.ts';
import { firstEvent } from '../first-event.ts';
import { parseInstant } from '../parse-instant.ts';
import { DEFAULT_RULES, ENV } from '../settings.ts';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

interface EmulateOptions {
  salesforcePort: number;
  hubspotPort: number;
  leads: number;
  seed: number;
  at?: string;
  jsonOut?: string;
  rateLimits: boolean;
}

export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description(
      'start local Salesforce and HubSpot API emulators seeded with a generated data set; prints one JSON line (credentials and the env for `tossup sync`) once both are ready, and runs until stopped (Ctrl-C, SIGTERM, or its parent ending)',
    )
    .option(
      '--salesforce-port <port>',
      'Salesforce port (0 = any free port)',
      int('--salesforce-port', 0, 65535),
      0,
    )
    .option('--hubspot-port <port>', 'HubSpot port (0 = any free port)', int('--hubspot-port', 0, 65535), 0)
    .option('--leads <n>', 'people to generate', int('--leads', 10, 1_000_000), 2000)
    .option('--seed <n>', 'data set seed', int('--seed', 0, 2 ** 31), 1)
    .option(
      '--at <ISO time>',
      'the data set\'s and the emulators\' "now" (default: the current time); same seed and --at = same data',
    )
    .option(
      '--json-out <file>',
      'also write the JSON to this file once ready (removed on stop); for scripts run through `npm run`, whose banner precedes stdout',
    )
    .option('--no-rate-limits', 'switch off rate limits and daily allowances (throughput runs)')
    .action(async (opts: EmulateOptions) => {
      const asOf = opts.at === undefined ? undefined : new Date(parseInstant(opts.at)).toISOString();
      const emulators = await startEmulators({
        salesforcePort: opts.salesforcePort,
        hubspotPort: opts.hubspotPort,
        leads: opts.leads,
        seed: opts.seed,
        rateLimits: opts.rateLimits,
        ...(asOf ? { asOf } : {}),
      });
      // The rule set is named so the env is complete on its own (it is also the settings' default).
      const info = { ...emulators.info, env: { ...emulators.info.env, [ENV.rules]: DEFAULT_RULES } };
      const line = `${JSON.stringify(info)}\n`;
      const jsonOut = opts.jsonOut ? resolve(opts.jsonOut) : undefined;
      if (jsonOut) {
        // Written whole, then renamed: a script polling for the file never reads half of it.
        writeFileSync(`${jsonOut}.tmp`, line);
        renameSync(`${jsonOut}.tmp`, jsonOut);
      }
      // One JSON line once both are ready: scripts read it to connect (and to get the env for `tossup sync`).
      process.stdout.write(line);
      await untilStopped();
      if (jsonOut) rmSync(jsonOut, { force: true });
      await emulators.close();
    });
}

/**
 * Resolves on Ctrl-C or SIGTERM, or when the parent process ends: `npm run` does not pass a SIGTERM
 * on, and a killed parent must not leave two servers holding their ports.
 */
function untilStopped(): Promise<void> {
  const parent = process.ppid;
  const signals = firstEvent(process, ['SIGINT', 'SIGTERM', 'SIGHUP']);
  const watch = setInterval(() => {
    if (process.ppid !== parent) signals.stop();
  }, 500);
  return signals.done.then(() => clearInterval(watch));
}
