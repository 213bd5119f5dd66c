import { type Command, Option } from 'commander';
import { loadRuleSet } from '../../config/load-rule-set.ts';
import type { Locale } from '../../reasons/messages.ts';
import { ReasonRenderer } from '../../reasons/render-reasons.ts';
import { compileRuleSet } from '../../scoring/compile-rule-set.ts';
import { applyDataIssues, issuesAffecting } from '../../scoring/data-issues.ts';
import { explainDecision } from '../../scoring/explain.ts';
import { DEFAULT_STATE_DIR } from '../../state/file-state-store.ts';
import { parseInstant } from '../parse-instant.ts';
import { logInputItem, readLeadInput } from '../read-lead-input.ts';
import { configuredRules } from '../settings.ts';

const MARK = { met: '✓', not_met: '✗', unknown: '?' } as const;

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('show every rule evaluated for one lead and what each condition contributed')
    .option(
      '--rules <file|preset>',
      'rule file, or a preset: small, mid, large (default: TOSSUP_RULES, the profile, else large)',
    )
    .option('--input <file>', 'leads as .jsonl or .csv, UTF-8, Shift_JIS or UTF-16')
    .option('--id <leadId>', 'which lead (default: the first)')
    .option('--at <ISO time>', 'decide as of this instant (default: now)')
    .option(
      '--lead <leadId>',
      'instead of --input: why the sync decided this lead as it did at --at, from the decision ledger',
    )
    .option(
      '--state-dir <dir>',
      'with --lead: the state directory holding the ledger (default: TOSSUP_STATE_DIR, else .tossup/state)',
    )
    .option('--json', 'print the explanation as JSON')
    .addOption(new Option('--locale <locale>', 'language of reasons').choices(['ja', 'en']).default('ja'))
    .option('--strict', 'stop (exit 2) on a column or key that is not a lead field, instead of warning')
    .action(
      async (opts: {
        rules?: string;
        input: string;
        id?: string;
        at?: string;
        json?: boolean;
        locale: Locale;
        strict?: boolean;
        lead?: string;
        stateDir?: string;
      }) => {
        const rs = loadRuleSet(opts.rules ?? configuredRules(process.env));
        if (opts.lead !== undefined) {
          const { explainFromLedger } = await import('./explain-ledger.ts');
          process.exitCode = await explainFromLedger(
            {
              lead: opts.lead,
              at: new Date(opts.at ? parseInstant(opts.at) : Date.now()),
              stateDir: opts.stateDir ?? process.env.TOSSUP_STATE_DIR ?? DEFAULT_STATE_DIR,
              json: opts.json === true,
              locale: opts.locale,
              renderer: new ReasonRenderer(opts.locale, rs.messages),
            },
            process.stdout,
          );
          return;
        }
        if (opts.input === undefined) {
          process.stderr.write(
            'tossup explain: give --input <file> (leads to decide now) or --lead <id> (a decision recorded in the ledger)\n',
          );
          process.exitCode = 2;
          return;
        }
        const rules = compileRuleSet(rs);
        const now = opts.at ? parseInstant(opts.at) : Date.now();
        const r = new ReasonRenderer(opts.locale, rs.messages);
        for await (const item of readLeadInput(opts.input)) {
          if (item.kind !== 'lead') {
            // Skipped records matter only for `score`; warnings (a misspelt column) may explain this lead.
            if (item.kind !== 'error') logInputItem(item, { file: opts.input, strict: opts.strict === true });
            continue;
          }
          if (opts.id !== undefined && item.lead.id !== opts.id) continue;
          const lead = item.lead;
          const explained = explainDecision(lead, rules, now);
          // The same decision `score` and `sync` make: held where it depends on an unreadable value.
          const d = applyDataIssues(explained.decision, lead, rules, now);
          const affecting = new Set(
            lead.dataIssues.length > 0 ? issuesAffecting(explained.decision, lead, rules, now) : [],
          );
          const dataIssues = lead.dataIssues.map((i) => ({ ...i, affectsDecision: affecting.has(i) }));
          const x = { ...explained, decision: d, dataIssues };
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);
            return;
          }
          const lines = [
            `lead ${d.leadId}  rules ${rs.name}@${d.rulesVersion}  at ${d.decidedAt}`,
            `decision: ${d.flag} → ${d.nextAction} (${d.priority})${d.owner ? `  owner: ${JSON.stringify(d.owner)}` : ''}  by rule "${d.ruleId}"`,
            `reasons:  ${r.renderCompact(d.reasons, 1000)}`,
            '',
            `attribute score ${x.attribute.value}${x.attribute.max !== x.attribute.value ? ` (up to ${x.attribute.max} with missing data)` : ''}`,
            ...x.attribute.groups.map(
              (g) => `  ${g.group.padEnd(16)} ${g.missing ? 'missing' : `+${g.points}`}`,
            ),
            `behaviour score ${x.behaviour ?? 'unknown'}`,
            ...(dataIssues.length === 0
              ? []
              : [
                  'data issues (values that could not be read; fix them at the source):',
                  ...dataIssues.map(
                    (i) =>
                      `  ${i.affectsDecision ? '!' : '-'} ${i.field} ${JSON.stringify(i.raw)} ${i.problem}${i.affectsDecision ? '  ← the decision depends on it: held' : ''}`,
                  ),
                ]),
            `thresholds ${JSON.stringify(x.thresholds)}${x.activeOverrides.length ? `  (campaign: ${x.activeOverrides.join(', ')})` : ''}`,
            '',
            'rules, in order:',
          ];
          for (const rule of x.rules) {
            lines.push(
              `${rule.decisive ? '▶' : ' '} ${MARK[rule.result]} ${rule.id}${rule.description ? `: ${rule.description}` : ''}`,
            );
            for (const c of rule.conditions) {
              lines.push(
                `      ${MARK[c.result]} ${c.fact} ${c.op} ${JSON.stringify(c.expected)}  (value: ${JSON.stringify(c.value)})`,
              );
            }
            if (rule.intent) {
              lines.push(`      intent (a task only when shown): ${MARK[rule.intent.result]}`);
              for (const c of rule.intent.conditions)
                lines.push(
                  `        ${MARK[c.result]} ${c.fact} ${c.op} ${JSON.stringify(c.expected)}  (value: ${JSON.stringify(c.value)})`,
                );
            }
          }
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        throw new Error(
          opts.id ? `no lead with id "${opts.id}" in ${opts.input}` : `no readable lead in ${opts.input}`,
        );
      },
    );
}
