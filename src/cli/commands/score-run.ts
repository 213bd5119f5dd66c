import { loadRuleSet } from '../../config/load-rule-set.ts';
import type { Decision } from '../../domain/decision.ts';
import type { DataIssue } from '../../domain/lead.ts';
import type { Locale } from '../../reasons/messages.ts';
import { ReasonRenderer } from '../../reasons/render-reasons.ts';
import { compileRuleSet } from '../../scoring/compile-rule-set.ts';
import { decideWithDataIssues } from '../../scoring/data-issues.ts';
import { withScoreDetail } from '../../scoring/score-detail.ts';
import { pad, watchClosedPipe, writeLine } from '../output.ts';
import { parseInstant } from '../parse-instant.ts';
import { logInputItem, readLeadInput } from '../read-lead-input.ts';
import { configuredRules } from '../settings.ts';

export interface ScoreOptions {
  rules?: string;
  input: string;
  at?: string;
  format: 'jsonl' | 'table';
  locale: Locale;
  strict?: boolean;
}

/** `tossup score`: loaded by the command's action only, so `score --help` reads no rules or engine. */
export async function scoreCommand(opts: ScoreOptions): Promise<void> {
  const rs = loadRuleSet(opts.rules ?? configuredRules(process.env));
  const rules = compileRuleSet(rs);
  const now = opts.at ? parseInstant(opts.at) : Date.now();
  const renderer = new ReasonRenderer(opts.locale, rs.messages);
  const out = process.stdout;
  // `score … | head`: the reader going away ends the command quietly, not with an EPIPE trace.
  const pipe = watchClosedPipe(out);
  let rejected = 0;
  // The table header is written with the first lead, so a file refused outright prints only its error.
  let header = opts.format === 'table';
  for await (const item of readLeadInput(opts.input)) {
    if (pipe.closed) return;
    if (item.kind !== 'lead') {
      if (logInputItem(item, { file: opts.input, strict: opts.strict === true }) === 'error') rejected++;
      continue;
    }
    if (header) {
      header = false;
      await writeLine(
        out,
        `${pad('id', 20)} ${pad('flag', 5)} ${pad('attr', 5)} ${pad('beh', 5)} ${pad('next action', 26)} reasons`,
      );
    }
    const d = withScoreDetail(decideWithDataIssues(item.lead, rules, now), item.lead, rules);
    await writeLine(
      out,
      opts.format === 'table'
        ? tableRow(d, renderer)
        : JSON.stringify(toJson(d, renderer, item.lead.dataIssues)),
    );
  }
  if (pipe.closed) return;
  if (rejected > 0) {
    process.stderr.write(`${rejected} line(s) could not be read as leads; fix them and run again\n`);
    process.exitCode = 2;
  }
}

/** One decision as `score` prints it; `dataIssues` lists every value of the lead that could not be read. */
export function toJson(d: Decision, renderer: ReasonRenderer, dataIssues: readonly DataIssue[] = []) {
  return {
    id: d.leadId,
    flag: d.flag,
    scores: d.scores,
    nextAction: d.nextAction,
    priority: d.priority,
    ...(d.owner ? { owner: d.owner } : {}),
    reasons: d.reasons.map((r) => ({ code: r.code, message: renderer.render(r), params: r.params })),
    ruleId: d.ruleId,
    rulesVersion: d.rulesVersion,
    dataIssues,
  };
}

function tableRow(d: Decision, renderer: ReasonRenderer): string {
  return `${pad(d.leadId.slice(0, 20), 20)} ${pad(d.flag, 5)} ${pad(String(d.scores.attribute), 5)} ${pad(String(d.scores.behaviour ?? '-'), 5)} ${pad(d.nextAction, 26)} ${renderer.renderCompact(d.reasons, 120)}`;
}
