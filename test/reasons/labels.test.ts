import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadHubspotMapping } from '../../connectors/hubspot/mapping.ts';
import { NEXT_ACTION_OPTIONS } from '../../emulators/hubspot/custom-properties.ts';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import { NextActionSchema } from '../../src/domain/lead.ts';
import { handOffNote } from '../../src/pipeline/hand-off-note.ts';
import { renderReportHtml } from '../../src/pipeline/render-report-html.ts';
import { renderSummary } from '../../src/pipeline/render-summary.ts';
import { DEFAULT_MESSAGES, LOCALES } from '../../src/reasons/messages.ts';
import { NEXT_ACTION_LABELS } from '../../src/reasons/next-action-label.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { renderRulesMarkdown } from '../../src/reasons/rules-page.ts';
import { makeLead } from '../support/lead-factory.ts';
import { runReportFixture } from '../support/run-report-fixture.ts';

/** Wordings each concept had on some surface before they were unified (issue 12). */
const VARIANTS = [
  'フィールドセールス対応',
  'ISフォロー',
  'IS・営業企画',
  '営業企画へ通知',
  'IS/営業企画が確認',
  'Field sales follow-up',
  'IS follow-up',
  'IS/sales planning review',
];
const ACTIONS = NextActionSchema.options;

/** Every text sales and admins read that can name a next action, per locale. */
function surfaces(locale: 'ja' | 'en'): Record<string, string> {
  const renderer = new ReasonRenderer(locale);
  const out: Record<string, string> = {};
  for (const a of ACTIONS) {
    const lead = makeLead({ company: { name: '山田工業' }, person: { title: '部長' } });
    const decision = {
      leadId: lead.id,
      flag: 'yes' as const,
      nextAction: a,
      priority: 'high' as const,
      scores: { attribute: 80, behaviour: 50 },
      reasons: [
        { code: 'company.strategicTarget.met', params: { op: 'eq', value: 'true', expected: 'true' } },
      ],
      ruleId: 'r',
      missing: [],
      rulesVersion: 'v',
      decidedAt: '2026-12-02T00:00:00.000Z',
    };
    const note = handOffNote(lead, decision, {
      renderer,
      locale,
      dueAt: null,
      recordUrl: null,
      timeZone: 'Asia/Tokyo',
    });
    out[`task ${a}`] = `${note.subject}\n${note.body}`;
  }
  out.reasons = Object.keys(DEFAULT_MESSAGES[locale])
    .filter((k) => k.endsWith('.met'))
    .map((k) =>
      renderer.render({
        code: k.replace(/\.eq\.(true|false)\.met$|\.eq\.met$/, '.met'),
        params: { op: 'eq', expected: 'true', value: 'true' },
      }),
    )
    .concat(Object.values(DEFAULT_MESSAGES[locale]))
    .join('\n');
  out.summary = renderSummary(runReportFixture(), locale);
  out.report = renderReportHtml({
    reports: [runReportFixture()],
    locale,
    generatedAt: '2026-12-02T07:33:18.500Z',
  });
  for (const f of readdirSync('mappings/rules').filter((x) => x.endsWith('.yaml')))
    out[`rules page ${f}`] = renderRulesMarkdown(loadRuleSet(`mappings/rules/${f}`), locale);
  return out;
}

describe('one label per concept on every surface', () => {
  for (const locale of LOCALES) {
    it(`${locale}: tasks, reasons, summary, report and rules pages use the same next-action labels`, () => {
      const all = surfaces(locale);
      for (const [name, text] of Object.entries(all)) {
        for (const v of VARIANTS) expect(text, `${name} says "${v}"`).not.toContain(v);
        // "ISヒアリング" names the hearing itself; as a next action it reads as the label.
        expect(text, name).not.toMatch(/(次のアクション|→)\s*ISヒアリング/);
      }
      for (const a of ACTIONS) {
        expect(all[`task ${a}`]).toContain(NEXT_ACTION_LABELS[locale][a]);
        expect(all.summary).toContain(NEXT_ACTION_LABELS[locale][a]);
        expect(all.report).toContain(NEXT_ACTION_LABELS[locale][a]);
      }
    });
  }

  it('the CRM picklists show the same labels (HubSpot mapping, emulated portal)', () => {
    const hs = loadHubspotMapping().writeBack.nextActionOptions;
    for (const a of ACTIONS) expect(hs[a].label).toBe(NEXT_ACTION_LABELS.ja[a]);
    expect(Object.fromEntries(NEXT_ACTION_OPTIONS)).toEqual(
      Object.fromEntries(ACTIONS.map((a) => [a, NEXT_ACTION_LABELS.ja[a]])),
    );
    for (const f of ['mappings/hubspot.yaml', 'mappings/salesforce.yaml', 'mappings/rules/large.yaml'])
      for (const v of VARIANTS) expect(readFileSync(f, 'utf8'), `${f}: ${v}`).not.toContain(v);
  });
});
