import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import { crmModule } from '../../composition/crm-registry.ts';
import { ConfigError, CrmError } from '../../domain/errors.ts';
import { scrubText } from '../../logging/scrub.ts';
import { terminalSafeLines } from '../../logging/terminal-text.ts';
import { resolveSyncSettings, SettingsError } from '../settings.ts';

export function registerSetup(program: Command): void {
  const setup = program
    .command('setup')
    .description('prepare a CRM for the connector (custom fields / properties)');
  setup
    .command('salesforce')
    .description(
      'write the custom-field metadata the mapping needs, for an admin to deploy (no org connection)',
    )
    .option('--out <dir>', 'output directory', 'out/salesforce-metadata')
    .option('--mapping <file>', 'Salesforce mapping', 'mappings/salesforce.yaml')
    .addOption(new Option('--locale <locale>', 'field labels in').choices(['ja', 'en']).default('ja'))
    .action(async (opts: { out: string; mapping: string; locale: 'ja' | 'en' }) => {
      const result = await crmModule('salesforce').setupOffline!({
        mappingFile: opts.mapping,
        outDir: opts.out,
        locale: opts.locale,
      });
      const out = relative(process.cwd(), opts.out) || '.';
      process.stdout.write(
        [
          `wrote ${result.files.length} files to ${out}/:`,
          ...result.files.map((f) => `  ${relative(process.cwd(), f)}`),
          '',
          'deploy them with the Salesforce CLI (docs/salesforce-admin-guide.md):',
          `  cd ${out} && sf project deploy start --manifest package.xml --target-org <alias>`,
          '  sf org assign permset --name TossUp_Integration --on-behalf-of <integration user> --target-org <alias>',
          '',
        ].join('\n'),
      );
    });
  setup
    .command('hubspot')
    .description('create the property group and the custom properties the mapping needs (idempotent)')
    .option('--profile <name>', 'settings profile')
    .action(async (opts: { profile?: string }) => {
      process.exitCode = await setupHubspotCommand(opts, process.env);
    });
}

export async function setupHubspotCommand(
  opts: { profile?: string },
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  try {
    const settings = resolveSyncSettings({
      flags: { crm: 'hubspot', profile: opts.profile, rules: 'large' },
      env,
    });
    const admin = crmModule('hubspot').admin(settings.connector.settings);
    const result = await admin.setup!();
    // Property names and labels come from the portal: escaped like every CRM value on the terminal.
    process.stdout.write(`${terminalSafeLines(result.report)}\n`);
    return result.ok ? 0 : 2;
  } catch (e) {
    if (e instanceof SettingsError) {
      // Said as what setup needs, not as "sync settings": the admin ran setup, not sync.
      process.stderr.write(
        `setup hubspot connects to HubSpot and needs its credentials:\n${e.problems.map((p) => `  - ${terminalSafeLines(p)}`).join('\n')}\n`,
      );
      return 2;
    }
    if (e instanceof ConfigError || e instanceof CrmError) {
      process.stderr.write(
        `${terminalSafeLines(e instanceof CrmError ? scrubText(e.message) : e.message)}\n`,
      );
      return 2;
    }
    throw e;
  }
}
