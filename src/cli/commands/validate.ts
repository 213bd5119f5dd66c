import type { Command } from 'commander';
import { loadRuleSet } from '../../config/load-rule-set.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check rule files (and, with --crm, the CRM schema) and report every problem at once')
    .argument('[rules...]', 'rule files or presets to check', [])
    .action((files: string[]) => {
      if (files.length === 0)
        throw new Error(
          'name at least one rule file or preset, e.g. tossup validate mappings/rules/large.yaml',
        );
      for (const f of files) {
        const rs = loadRuleSet(f);
        process.stdout.write(`${f}: ok (${rs.rules.length} rules, name "${rs.name}")\n`);
      }
    });
}
