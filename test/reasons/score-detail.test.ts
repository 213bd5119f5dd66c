import { describe, expect, it } from 'vitest';
import { loadRuleSet } from '../../src/config/load-rule-set.ts';
import type { Activity, Lead } from '../../src/domain/lead.ts';
import { handOffNote } from '../../src/pipeline/hand-off-note.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { type CompiledRuleSet, compileRuleSet } from '../../src/scoring/compile-rule-set.ts';
import { decide as decideOnly } from '../../src/scoring/decide.ts';
import { withScoreDetail } from '../../src/scoring/score-detail.ts';
import { makeLead } from '../support/lead-factory.ts';

const rules = compileRuleSet(loadRuleSet('large'));
const NOW = new Date('2026-11-20T18:00:00+09:00');
const decide = (lead: Lead, rs: CompiledRuleSet, now: Date) =>
  withScoreDetail(decideOnly(lead, rs, now), lead, rs);
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T10:00:00+09:00`;

/** A lead whose behaviour score comes from its activities (no MA score), with a strong fit. */
function activeLead(activities: Activity[]) {
  return makeLead({
    maBehaviourScore: null,
    activities,
    company: { employees: 1200, industry: 'retail', region: '東京都' },
    person: { title: '部長', titleRank: 'department_head', department: '情報システム部' },
  });
}

const pricing3AndDocs: Activity[] = [
  { type: 'page_view', at: at(18), page: 'pricing' },
  { type: 'page_view', at: at(17), page: 'pricing' },
  { type: 'page_view', at: at(16), page: 'pricing' },
  { type: 'document_request', at: at(19) },
  { type: 'email_open', at: at(19) },
];

describe('score reasons say what the lead did', () => {
  it('names the activities that made the behaviour score, most points first, in ja and en', () => {
    const d = decide(activeLead(pricing3AndDocs), rules, NOW);
    expect(d.flag).toBe('yes');
    const behaviour = d.reasons.find((r) => r.code === 'score.behaviour.met')!;
    expect(new ReasonRenderer('ja').render(behaviour)).toMatch(
      /^行動スコア \d+ ≥ 基準 40 \(料金ページ閲覧 3回・資料請求・メール開封\)$/,
    );
    expect(new ReasonRenderer('en').render(behaviour)).toMatch(
      /^Behaviour score \d+ ≥ threshold 40 \(pricing page view ×3, document request, e-mail open\)$/,
    );
  });

  it('names the attributes that made the fit score, with industries in the reader’s language', () => {
    const d = decide(activeLead(pricing3AndDocs), rules, NOW);
    const fit = d.reasons.find((r) => r.code === 'score.attribute.met')!;
    expect(new ReasonRenderer('ja').render(fit)).toMatch(
      /^属性スコア \d+ ≥ 基準 60 \(1,200名・部長・情報システム部\)$/,
    );
    const d2 = decide(
      activeLead(pricing3AndDocs),
      compileRuleSet({ ...loadRuleSet('large'), thresholds: { attribute: 95, behaviour: 40 } }),
      NOW,
    );
    const text = new ReasonRenderer('ja').renderCompact(d2.reasons, 255);
    expect(text).not.toContain('retail');
    expect(new ReasonRenderer('ja').render(d2.reasons[0]!)).toMatch(/^属性スコア \d+ < 基準 95 \(1,200名・/);
  });

  it('keeps the most decisive reason whole when the field is short, dropping the detail first', () => {
    const d = decide(activeLead(pricing3AndDocs), rules, NOW);
    const r = new ReasonRenderer('ja');
    const full = r.renderCompact(d.reasons, 255);
    expect(full).toContain('(料金ページ閲覧 3回');
    const bare = r.render(d.reasons[0]!, false);
    expect(bare).toMatch(/^属性スコア \d+ ≥ 基準 60$/);
    // Room for the first reason's number but not its detail: the number stays, nothing is cut mid-word.
    expect(r.renderCompact(d.reasons, bare.length + 2)).toBe(bare);
  });

  it('says nothing about activities when the score came from the MA tool', () => {
    const lead = { ...activeLead(pricing3AndDocs), maBehaviourScore: 90 };
    const d = decide(lead, rules, NOW);
    const behaviour = d.reasons.find((r) => r.code === 'score.behaviour.met')!;
    expect(new ReasonRenderer('ja').render(behaviour)).toBe('行動スコア 90 ≥ 基準 40');
  });
});

describe('the task a rep receives', () => {
  it('labels what it shows and does not blame a rule for a missing-data hold', () => {
    const lead = makeLead({
      maBehaviourScore: 80,
      company: { employees: null, industry: 'manufacturing', region: '東京都' },
      person: { title: '取締役', titleRank: 'officer', department: '情報システム部' },
    });
    const d = decide(lead, rules, NOW);
    expect(d.flag).toBe('hold');
    expect(d.missing).toEqual(['company.employees']);
    const { body } = handOffNote(lead, d, {
      renderer: new ReasonRenderer('ja'),
      locale: 'ja',
      dueAt: null,
      recordUrl: null,
      timeZone: 'Asia/Tokyo',
    });
    expect(body).toContain('判定ルール: データ不足のため保留');
    expect(body).not.toContain('auto_tossup');
    expect(body).toContain('(製造');
    expect(body).toContain('役職・部署: 取締役 / 情報システム部');
    expect(body).not.toContain('担当者:');
    expect(body).toContain('次のアクション: インサイドセールスがヒアリング');
  });
});
