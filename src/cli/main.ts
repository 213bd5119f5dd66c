#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ConfigError } from '../domain/errors.ts';
import { scrubText } from '../logging/scrub.ts';
import { terminalSafe } from '../logging/terminal-text.ts';
import { registerDemo } from './commands/demo.ts';
import { registerEmulate } from './commands/emulate.ts';
import { registerExplain } from './commands/explain.ts';
import { registerRules } from './commands/rules-doc.ts';
import { registerScore } from './commands/score.ts';
import { registerSetup } from './commands/setup.ts';
import { registerSync } from './commands/sync.ts';
import { registerValidate } from './commands/validate.ts';

const program = new Command('tossup')
  .description(
    'Toss-up connector: decide, explain and sync toss-up flags between Salesforce, HubSpot and sales',
  )
  .version(versionLine(), '-V, --version', 'print the version (and the Node running it)')
  .showHelpAfterError();

registerScore(program);
registerExplain(program);
registerValidate(program);
registerRules(program);
registerDemo(program);
registerEmulate(program);
registerSync(program);
registerSetup(program);

// `tossup … | head`: once the reader has gone, the rest of the output is dropped quietly instead of
// ending in an EPIPE stack trace; the command still finishes and sets its exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.write = (() => true) as typeof process.stdout.write;
});

try {
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

/** E.g. `tossup 0.1.0 (Node 22.23.3)`: the Node version matters, as the CLI needs 22.18 or later. */
function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `tossup ${pkg.version} (Node ${process.versions.node})`;
}
