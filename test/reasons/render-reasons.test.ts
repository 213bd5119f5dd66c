import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/domain/decision.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';

const behaviourMet: Reason = {
  code: 'score.behaviour.met',
  params: { op: 'gte', value: 120, expected: 100, threshold: 'behaviour' },
};
const missingEmployees: Reason = { code: 'missing', params: { field: 'company.employees' } };

describe('ReasonRenderer', () => {
  it('renders the same reason in Japanese and English', () => {
    expect(new ReasonRenderer('ja').render(behaviourMet)).toBe('行動スコア 120 ≥ 基準 100');
    expect(new ReasonRenderer('en').render(behaviourMet)).toBe('Behaviour score 120 ≥ threshold 100');
    expect(new ReasonRenderer('ja').render(missingEmployees)).toBe('従業員数が未入力');
    expect(new ReasonRenderer('en').render(missingEmployees)).toBe('Employees missing');
  });

  it('states what is true for an unmet comparison', () => {
    const r: Reason = {
      code: 'score.attribute.not_met',
      params: { op: 'gte', value: 55, expected: 60, threshold: 'attribute' },
    };
    expect(new ReasonRenderer('ja').render(r)).toBe('属性スコア 55 < 基準 60');
  });

  it('lets admins reword a message without touching the engine', () => {
    const r = new ReasonRenderer('ja', { ja: { 'score.behaviour.gte.met': '行動スコア高 ({value}点)' } });
    expect(r.render(behaviourMet)).toBe('行動スコア高 (120点)');
  });

  it('fits the field, dropping the least decisive reasons whole and keeping the first', () => {
    const r = new ReasonRenderer('ja');
    const reasons = [missingEmployees, behaviourMet, { code: 'otherwise', params: {} }];
    expect(r.renderCompact(reasons, 255)).toBe(
      '従業員数が未入力 / 行動スコア 120 ≥ 基準 100 / 該当する条件なし',
    );
    expect(r.renderCompact(reasons, 30)).toBe('従業員数が未入力 / 行動スコア 120 ≥ 基準 100');
    expect(r.renderCompact(reasons, 10)).toBe('従業員数が未入力');
    const cut = r.renderCompact(reasons, 5);
    expect([...cut]).toHaveLength(5);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('counts characters, not bytes, as Salesforce text fields do', () => {
    const many = Array.from({ length: 40 }, () => missingEmployees);
    const out = new ReasonRenderer('ja').renderCompact(many, 255);
    expect([...out].length).toBeLessThanOrEqual(255);
    expect(Buffer.byteLength(out)).toBeGreaterThan(255);
  });

  it('shows unreadable raw values so sales can fix the record', () => {
    const r: Reason = { code: 'invalid', params: { field: 'company.employees', raw: '多数' } };
    expect(new ReasonRenderer('ja').render(r)).toBe('従業員数「多数」を解釈できません');
  });

  it('falls back to the code for an unknown reason instead of failing', () => {
    expect(new ReasonRenderer('en').render({ code: 'something.new', params: {} })).toBe('something.new');
  });
});
