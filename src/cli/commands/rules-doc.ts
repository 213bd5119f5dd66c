import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import type { Locale } from '../../reasons/messages.ts';
import { renderRulesHtml, renderRulesMarkdown } from '../../reasons/rules-page.ts';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('work with rule files');
  rules
    .command('doc')
    .description('render a rule set as a page sales can read')
    .argument('<rules>', 'rule file or preset')
    .addOption(new Option('--format <format>', 'page format').choices(['md', 'html']).default('md'))
    .addOption(new Option('--locale <locale>', 'language').choices(['ja', 'en']).default('ja'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action((file: string, opts: { format: 'md' | 'html'; locale: Locale; out?: string }) => {
      const rs = loadRuleSet(file);
      const page =
        opts.format === 'html' ? renderRulesHtml(rs, opts.locale) : renderRulesMarkdown(rs, opts.locale);
      if (opts.out) writeFileSync(opts.out, page);
      else process.stdout.write(page);
    });
}
