import type { Reason } from '../../domain/decision.ts';
import { type FactsRow, factsOfRow } from '../../ledger/lead-facts.ts';
import { DECISION_AT, EPISODE_EVENTS_UNTIL } from '../../ledger/ledger-queries.ts';
import type { Locale } from '../../reasons/messages.ts';
import type { ReasonRenderer } from '../../reasons/render-reasons.ts';

export interface LedgerExplainOptions {
  lead: string;
  /** The instant asked about. */
  at: Date;
  stateDir: string;
  json: boolean;
  locale: Locale;
  renderer: ReasonRenderer;
}

/**
 * `tossup explain --lead <id> --at <time>`: the decision the CRM showed for the lead then (the last
 * one recorded at or before the instant), its reasons and rule-set version, and what happened to its
 * episode up to then — from the local ledger (docs/ledger.md), read with DuckDB. Returns the exit code.
 */
export async function explainFromLedger(
  o: LedgerExplainOptions,
  out: NodeJS.WritableStream,
): Promise<number> {
  // Loaded here only: `tossup explain --input` (and every other command) never loads DuckDB.
  const { DuckDbLedgerReader } = await import('../../state/duckdb-ledger-reader.ts');
  const reader = await DuckDbLedgerReader.open(o.stateDir);
  try {
    const at = o.at.toISOString();
    const [decision] = await reader.query(DECISION_AT, [o.lead, at]);
    if (!decision) {
      out.write(
        o.locale === 'ja'
          ? `リード ${o.lead} の判定は ${at} 以前に記録されていません (台帳: ${o.stateDir}/ledger)\n`
          : `no decision recorded for lead ${o.lead} at or before ${at} (ledger: ${o.stateDir}/ledger)\n`,
      );
      return 1;
    }
    const episodeKey = typeof decision.episode_key === 'string' ? decision.episode_key : null;
    const events = episodeKey ? await reader.query(EPISODE_EVENTS_UNTIL, [episodeKey, at]) : [];
    const reasons = JSON.parse(String(decision.reasons_json)) as Reason[];
    if (o.json) {
      const { facts_json: _f, reasons_json: _r, ...row } = decision;
      // The facts whole: the row's compact `facts_json` leaves out what its columns and the defaults give.
      const facts = factsOfRow(decision as unknown as FactsRow);
      out.write(`${JSON.stringify({ at, decision: { ...row, reasons, facts }, events }, null, 2)}\n`);
      return 0;
    }
    const ja = o.locale === 'ja';
    const lines = [
      `${ja ? 'リード' : 'lead'} ${o.lead} (${decision.crm} ${decision.object_type})  ${ja ? '時点' : 'as of'} ${at}`,
      `${ja ? '判定' : 'decision'} ${decision.decided_at}: ${decision.flag} → ${decision.next_action} (${decision.priority})  ${ja ? 'ルール' : 'by rule'} "${decision.rule_id}"  ${ja ? 'ルールセット版' : 'rules version'} ${decision.rules_version}`,
      ...(decision.override_flag
        ? [
            ja
              ? `人による上書き: ${decision.override_flag} (${decision.override_source}${decision.override_by ? `, ${decision.override_by}` : ''}) — CRM はこちらを表示`
              : `overridden by a person: ${decision.override_flag} (${decision.override_source}${decision.override_by ? `, by ${decision.override_by}` : ''}) — the CRM showed this flag`,
          ]
        : []),
      `${ja ? '理由' : 'reasons'}: ${o.renderer.renderCompact(reasons, 1000)}`,
      ...reasons.map((r) => `  - ${r.code} ${JSON.stringify(r.params)}`),
      `${ja ? 'スコア' : 'scores'}: ${ja ? '属性' : 'attribute'} ${decision.attribute_score}, ${ja ? '行動' : 'behaviour'} ${decision.behaviour_score ?? (ja ? '不明' : 'unknown')}`,
      `${ja ? '担当' : 'owner'}: ${decision.owner_key ?? decision.owner_id ?? '-'}  ${ja ? 'エピソード' : 'episode'}: ${episodeKey ?? '-'}`,
    ];
    if (events.length > 0) {
      lines.push(ja ? 'その後 (この時点まで):' : 'since then (up to that instant):');
      for (const e of events) lines.push(`  ${e.event_at} ${e.event_type}${detail(e)}`);
    }
    out.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    reader.close();
  }
}

function detail(e: Record<string, unknown>): string {
  const parts = [
    e.ladder_action,
    e.activity,
    e.close_reason,
    e.verdict_result,
    e.sent_back_reason,
    e.opportunity_id,
    e.opportunity_won === true ? 'won' : e.opportunity_won === false ? 'lost' : null,
    e.lost_reason,
    e.sla_status,
    e.response_hours !== null && e.response_hours !== undefined
      ? `${e.response_hours} ${e.response_unit}${e.on_time === true ? ' on time' : e.on_time === false ? ' late' : ''}`
      : null,
    e.owner_key ?? e.owner_id,
  ].filter((p) => p !== null && p !== undefined && p !== '');
  return parts.length > 0 ? `  ${parts.join('  ')}` : '';
}
