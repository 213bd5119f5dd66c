#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../domain/errors.ts';
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
  .showHelpAfterError();

registerScore(program);
registerExplain(program);
registerValidate(program);
registerRules(program);
registerDemo(program);
registerEmulate(program);
registerSync(program);
registerSetup(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Config problems are the admin's to fix: show them plainly, without a stack trace.
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`tossup: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
