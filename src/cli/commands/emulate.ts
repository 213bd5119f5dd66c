import { type Command, InvalidArgumentError } from 'commander';
import { startEmulators } from '../../../emulators/start-emulators.ts';

const int = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
  return n;
};

export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description('start local Salesforce and HubSpot API emulators seeded with a generated data set')
    .option(
      '--salesforce-port <port>',
      'Salesforce port (0 = any free port)',
      int('--salesforce-port', 0, 65535),
      0,
    )
    .option('--hubspot-port <port>', 'HubSpot port (0 = any free port)', int('--hubspot-port', 0, 65535), 0)
    .option('--leads <n>', 'people to generate', int('--leads', 10, 1_000_000), 2000)
    .option('--seed <n>', 'data set seed', int('--seed', 0, 2 ** 31), 1)
    .option('--no-rate-limits', 'switch off rate limits and daily allowances (throughput runs)')
    .action(
      async (opts: {
        salesforcePort: number;
        hubspotPort: number;
        leads: number;
        seed: number;
        rateLimits: boolean;
      }) => {
        const emulators = await startEmulators({
          salesforcePort: opts.salesforcePort,
          hubspotPort: opts.hubspotPort,
          leads: opts.leads,
          seed: opts.seed,
          rateLimits: opts.rateLimits,
        });
        // One JSON line once both are ready: scripts read it to connect (and to get the env for `tossup sync`).
        process.stdout.write(`${JSON.stringify(emulators.info)}\n`);
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await emulators.close();
      },
    );
}
