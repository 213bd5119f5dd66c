#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../domain/errors.ts';
import { scrubText } from '../logging/scrub.ts';
import { terminalSafe } from '../logging/terminal-text.ts';
import { applyProcessSettings, SYNC_PROCESS_ENV } from './sync-process-settings.ts';

type Register = (program: Command) => void;

/**
 * Every command, in help order, with the import of its module. Only the module of the command being
 * run is loaded (its register function declares the options, so its help is the full help), so
 * `tossup score` does not load the emulators that `demo` starts nor the CRM code `sync` uses.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  score: async () => (await import('./commands/score.ts')).registerScore,
  explain: async () => (await import('./commands/explain.ts')).registerExplain,
  backtest: async () => (await import('./commands/backtest.ts')).registerBacktest,
  review: async () => (await import('./commands/review.ts')).registerReview,
  validate: async () => (await import('./commands/validate.ts')).registerValidate,
  rules: async () => (await import('./commands/rules-doc.ts')).registerRules,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  emulate: async () => (await import('./commands/emulate.ts')).registerEmulate,
  sync: async () => (await import('./commands/sync.ts')).registerSync,
  listen: async () => (await import('./commands/listen.ts')).registerListen,
  sweep: async () => (await import('./commands/sweep.ts')).registerSweep,
  setup: async () => (await import('./commands/setup.ts')).registerSetup,
  ledger: async () => (await import('./commands/ledger.ts')).registerLedger,
};

const program = new Command('tossup')
  .description(
    'Toss-up connector: decide, explain and sync toss-up flags between Salesforce, HubSpot and sales',
  )
  .version(versionLine(), '-V, --version', 'print the version (and the Node running it)')
  .showHelpAfterError();

// `tossup … | head`: once the reader has gone, the rest of the output is dropped quietly instead of
// ending in an EPIPE stack trace; the command still finishes and sets its exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.write = (() => true) as typeof process.stdout.write;
});

// A sync runs with its process's own malloc settings: the process is
// started again with them before any command module loads.
if (commandName(process.argv.slice(2)) === 'sync') applyProcessSettings(SYNC_PROCESS_ENV);

try {
  for (const load of commandsFor(process.argv.slice(2))) (await load())(program);
  await program.parseAsync(process.argv);
} catch (e) {
  // Config problems are the admin's to fix: show them plainly, without a stack trace.
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  } else {
    // Unexpected errors may quote a CRM answer: masked and escaped like every other terminal line.
    process.stderr.write(`tossup: ${terminalSafe(scrubText(e instanceof Error ? e.message : String(e)))}\n`);
    process.exitCode = 1;
  }
}

/**
 * The command named on the command line (`tossup score …`, `tossup help score`), or every command
 * when there is none or it is not one of ours: `tossup --help` lists them all and a typo gets
 * commander's "did you mean".
 */
function commandsFor(args: readonly string[]): Array<() => Promise<Register>> {
  const name = commandName(args);
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  return one ? [one] : Object.values(COMMANDS);
}

/** The command word of the command line (`tossup score …`, `tossup help score`), if any. */
function commandName(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/** E.g. `tossup 0.1.0 (Node 22.23.3)`: the Node version matters, as the CLI needs 22.18 or later. */
function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `tossup ${pkg.version} (Node ${process.versions.node})`;
}
