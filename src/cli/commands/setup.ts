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
    .option(
      '--realtime',
      'also the Change Data Capture metadata for Event Relay to AWS: channel, members, named credential, relay (docs/deploy.md)',
    )
    .option('--aws-account <id>', 'with --realtime: the 12-digit AWS account the stack is deployed in')
    .option('--aws-region <region>', 'with --realtime: its region', 'ap-northeast-1')
    .action(
      async (opts: {
        out: string;
        mapping: string;
        locale: 'ja' | 'en';
        realtime?: boolean;
        awsAccount?: string;
        awsRegion: string;
      }) => {
        process.exitCode = await setupSalesforceCommand(opts);
      },
    );
  setup
    .command('hubspot')
    .description('create the property group and the custom properties the mapping needs (idempotent)')
    .option('--profile <name>', 'settings profile')
    .action(async (opts: { profile?: string }) => {
      process.exitCode = await setupHubspotCommand(opts, process.env);
    });
}

export async function setupSalesforceCommand(opts: {
  out: string;
  mapping: string;
  locale: 'ja' | 'en';
  realtime?: boolean;
  awsAccount?: string;
  awsRegion: string;
}): Promise<number> {
  if (opts.realtime && !opts.awsAccount) {
    process.stderr.write(
      'setup salesforce --realtime needs --aws-account <12-digit id> (and --aws-region, default ap-northeast-1): the account the relay sends to\n',
    );
    return 2;
  }
  let result: { files: string[] };
  try {
    result = await crmModule('salesforce').setupOffline!({
      mappingFile: opts.mapping,
      outDir: opts.out,
      locale: opts.locale,
      ...(opts.realtime ? { realtime: { awsAccountId: opts.awsAccount!, awsRegion: opts.awsRegion } } : {}),
    });
  } catch (e) {
    if (e instanceof Error && e.name === 'RealtimeSetupError') {
      process.stderr.write(`${terminalSafeLines(e.message)}\n`);
      return 2;
    }
    throw e;
  }
  const out = relative(process.cwd(), opts.out) || '.';
  process.stdout.write(
    [
      `wrote ${result.files.length} files to ${out}/:`,
      ...result.files.map((f) => `  ${relative(process.cwd(), f)}`),
      '',
      'deploy them with the Salesforce CLI (docs/salesforce-admin-guide.md):',
      `  cd ${out} && sf project deploy start --manifest package.xml --target-org <alias>`,
      '  sf org assign permset --name TossUp_Integration --on-behalf-of <integration user> --target-org <alias>',
      ...(opts.realtime
        ? [
            'then the change events (docs/deploy.md, "Near-real-time on Salesforce"): the channel, its members',
            'and the named credential first, the relay after them:',
            '  sf project deploy start --metadata PlatformEventChannel PlatformEventChannelMember NamedCredential --target-org <alias>',
            '  sf project deploy start --metadata EventRelayConfig --target-org <alias>',
          ]
        : []),
      '',
    ].join('\n'),
  );
  return 0;
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
