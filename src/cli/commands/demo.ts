import type { Command } from 'commander';
import { loadCompiledRuleSet, PRESETS } from '../../config/load-rule-set.ts';
import { ReasonRenderer } from '../../reasons/render-reasons.ts';
import { decide } from '../../scoring/decide.ts';
import { pad } from '../output.ts';
import { readLeadInput } from '../read-lead-input.ts';

const SAMPLES = new URL('../../../samples/leads.jsonl', import.meta.url).pathname;
/** The sample data set was generated for this moment; deciding at it keeps the demo reproducible. */
const SAMPLE_NOW = '2026-11-20T18:00:00+09:00';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('decide the bundled sample leads with the small, mid and large presets and summarise')
    .action(async () => {
      const leads = [];
      for await (const item of readLeadInput(SAMPLES)) if (item.ok) leads.push(item.lead);
      const now = Date.parse(SAMPLE_NOW);
      const ja = new ReasonRenderer('ja');
      const out: string[] = [
        `${leads.length} sample leads (samples/leads.jsonl), decided at ${SAMPLE_NOW}`,
        '',
      ];
      for (const preset of PRESETS) {
        const rules = loadCompiledRuleSet(preset);
        const flags = { yes: 0, no: 0, hold: 0 };
        // Grouped by reason code (numbers differ per lead); one rendered example per code.
        const reasons = new Map<string, { n: number; text: string }>();
        let example: string | undefined;
        for (const lead of leads) {
          const d = decide(lead, rules, now);
          flags[d.flag]++;
          const top = d.reasons[0];
          if (top) {
            const seen = reasons.get(top.code);
            if (seen) seen.n++;
            else reasons.set(top.code, { n: 1, text: ja.render(top) });
          }
          if (!example && d.flag === 'yes')
            example = `${lead.company.name ?? lead.id}: ${ja.renderCompact(d.reasons, 255)}`;
        }
        out.push(`■ ${preset}: はい ${flags.yes} / いいえ ${flags.no} / 一時保留 ${flags.hold}`);
        for (const { n, text } of [...reasons.values()].sort((a, b) => b.n - a.n).slice(0, 4)) {
          out.push(`   ${pad(String(n), 4)} ${text}${n > 1 ? ' など' : ''}`);
        }
        if (example) out.push(`   例) ${example}`);
        out.push('');
      }
      out.push('Try: npm run tossup -- score --rules large --input samples/leads.jsonl --format table');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
