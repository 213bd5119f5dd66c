/**
 * Decision ledger (issue 15):
 * - ledger.bytesPerDecision: bytes on disk per decision row of the local ledger (JSON Lines, facts
 *   included), for 20,000 generated leads decided by the `large` preset and appended as one sync's
 *   batches of 200 would append them.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCompiledRuleSet } from '../../src/config/load-rule-set.ts';
import { decisionRecord } from '../../src/ledger/decision-record.ts';
import type { DecisionRecord } from '../../src/ledger/ledger-record.ts';
import { decideWithDataIssues } from '../../src/scoring/data-issues.ts';
import { FileLedger } from '../../src/state/file-ledger.ts';
import { report } from '../figure.ts';
import { generatedLeads } from '../support/generated-leads.ts';

const LEADS = Number(process.env.BENCH_LEDGER_LEADS ?? 20_000);
const AS_OF = '2026-11-20T09:00:00.000Z';
const rules = loadCompiledRuleSet('large');
const dir = mkdtempSync(join(tmpdir(), 'tossup-bench-ledger-'));
try {
  const ledger = new FileLedger(dir);
  let batch: DecisionRecord[] = [];
  let rows = 0;
  for (const lead of generatedLeads(LEADS, 7, AS_OF)) {
    const decision = decideWithDataIssues(lead, rules, new Date(AS_OF));
    batch.push(
      decisionRecord({
        lead,
        decision,
        fields: { flag: decision.flag, nextAction: decision.nextAction },
        episodeKey: decision.flag === 'yes' ? `tu_${lead.id}` : null,
        newEpisode: decision.flag === 'yes',
      }),
    );
    if (batch.length === 200) {
      rows += (await ledger.append(batch)).appended;
      batch = [];
    }
  }
  rows += (await ledger.append(batch)).appended;
  const bytes = readdirSync(join(dir, 'ledger'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
  report({
    name: 'ledger.bytesPerDecision',
    value: Math.round(bytes / rows),
    unit: 'bytes',
    note: `local ledger (JSON Lines, uncompressed, facts included): ${rows.toLocaleString('en')} decision rows of generated leads (large preset), ${(bytes / 2 ** 20).toFixed(1)} MiB`,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
