import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { parse } from 'yaml';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import type { Locale } from '../../reasons/messages.ts';
import { renderRulesHtml, renderRulesMarkdown } from '../../reasons/rules-page.ts';
import { configuredRules } from '../settings.ts';

export function registerRules(program: Command): void {
  const rules = program.command('rules').description('work with rule files');
  rules
    .command('doc')
    .description('render a rule set as a page sales can read')
    .argument('[rules]', 'rule file or preset (default: TOSSUP_RULES, the profile, else large)')
    .addOption(new Option('--format <format>', 'page format').choices(['md', 'html']).default('md'))
    .addOption(new Option('--locale <locale>', 'language').choices(['ja', 'en']).default('ja'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action((file: string | undefined, opts: { format: 'md' | 'html'; locale: Locale; out?: string }) => {
      const rs = loadRuleSet(file ?? configuredRules(process.env));
      const options = { queueNames: queueNames(process.env.TOSSUP_ROUTING) };
      const page =
        opts.format === 'html'
          ? renderRulesHtml(rs, opts.locale, options)
          : renderRulesMarkdown(rs, opts.locale, options);
      if (opts.out) writeFileSync(opts.out, page);
      else process.stdout.write(page);
    });
}

/**
 * Queue names from the routing file (TOSSUP_ROUTING or the bundled mappings/routing.yaml), so the page
 * says "IS/営業企画" rather than the key `is_sales_planning`. Best effort: a page without names beats
 * no page, and `tossup validate` is where a broken routing file is reported.
 */
function queueNames(routingFile: string | undefined): Record<string, string> {
  const file = routingFile ?? fileURLToPath(new URL('../../../mappings/routing.yaml', import.meta.url));
  try {
    const doc = parse(readFileSync(file, 'utf8')) as { queues?: Array<{ key?: unknown; name?: unknown }> };
    const out: Record<string, string> = {};
    for (const q of doc?.queues ?? [])
      if (typeof q.key === 'string' && typeof q.name === 'string') out[q.key] = q.name;
    return out;
  } catch {
    return {};
  }
}
