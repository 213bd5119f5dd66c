import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/domain/decision.ts';
import { EMPTY_CURRENT, type Lead } from '../../src/domain/lead.ts';
import { episodeKey, keyFlag, needsTask } from '../../src/pipeline/episode-key.ts';
import { handOffNote } from '../../src/pipeline/hand-off-note.ts';
import { planWriteBack } from '../../src/pipeline/plan-write-back.ts';
import { ReasonRenderer } from '../../src/reasons/render-reasons.ts';
import { decide } from '../../src/scoring/decide.ts';
import { hotLead, NOW, rules } from './pipeline-fixtures.ts';

const decided = (lead: Lead): Decision => decide(lead, rules, new Date(NOW));
const withCurrent = (lead: Lead, current: Partial<Lead['current']>): Lead => ({
  ...lead,
  current: { ...EMPTY_CURRENT, ...current },
});

describe('episodeKey', () => {
  it('is stable for the same lead, outcome and previous key, and fits the 80-character key field', () => {
    const lead = hotLead('K1');
    const d = decided(lead);
    const other: Decision = { ...d, reasons: [], scores: { attribute: 1, behaviour: 2 } };
    expect(episodeKey(lead, d)).toBe(episodeKey(structuredClone(lead), other));
    expect(episodeKey(lead, d)).toMatch(/^tu_[\w-]{29}\.y$/);
  });

  it('continues while the CRM holds the same outcome, and starts a new key when the outcome changes', () => {
    const lead = hotLead('K2');
    const d = decided(lead);
    const k1 = episodeKey(lead, d);
    const written = withCurrent(lead, { flag: d.flag, nextAction: d.nextAction, decisionKey: k1 });
    expect(episodeKey(written, d)).toBe(k1);
    const nurture = { ...d, flag: 'no' as const, nextAction: 'nurture' as const };
    const k2 = episodeKey(written, nurture);
    expect(k2).not.toBe(k1);
    // Coming back to the same outcome later is a new hand-off: the key chains on the previous one.
    const back = withCurrent(lead, { flag: 'no', nextAction: 'nurture', decisionKey: k2 });
    expect(episodeKey(back, d)).not.toBe(k1);
  });

  it('ends in the flag it was made for, and a flag a person emptied continues the key', () => {
    const lead = hotLead('K6');
    const d = decided(lead);
    for (const flag of ['yes', 'no', 'hold'] as const)
      expect(keyFlag(episodeKey(lead, { ...d, flag }))).toBe(flag);
    expect(keyFlag('tu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBeNull(); // made before keys carried the flag
    expect(keyFlag(null)).toBeNull();
    const k1 = episodeKey(lead, d);
    const emptied = withCurrent(lead, { flag: null, nextAction: d.nextAction, decisionKey: k1 });
    expect(episodeKey(emptied, d)).toBe(k1);
    expect(episodeKey(emptied, { ...d, flag: 'no' })).not.toBe(k1);
  });

  it('differs between leads and between CRM objects with the same id', () => {
    const d = decided(hotLead('K3'));
    expect(episodeKey(hotLead('K3'), d)).not.toBe(episodeKey(hotLead('K4'), d));
    expect(episodeKey(hotLead('K3'), d)).not.toBe(episodeKey({ ...hotLead('K3'), objectType: 'Contact' }, d));
  });

  it('needs a task for every next action but nurture', () => {
    const d = decided(hotLead('K5'));
    expect(needsTask(d)).toBe(true);
    expect(needsTask({ ...d, nextAction: 'nurture' })).toBe(false);
  });
});

describe('planWriteBack', () => {
  const lead = hotLead('P1');
  const d = decided(lead);
  const key = episodeKey(lead, d);

  it('plans every field for a lead the connector has never written', () => {
    expect(
      planWriteBack(lead, {
        decision: d,
        reasonText: 'r',
        episodeKey: key,
        dueAt: '2026-11-25T01:00:00Z',
        ownerId: '005000000000001AAA',
      }),
    ).toEqual({
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      reason: 'r',
      attributeScore: 85,
      behaviourScore: 80,
      decisionKey: key,
      dueAt: '2026-11-25T01:00:00Z',
      ownerId: '005000000000001AAA',
    });
  });

  it('plans nothing when the CRM already holds the decision, and never moves a running deadline', () => {
    const current = withCurrent(lead, {
      flag: 'yes',
      nextAction: 'field_sales_tossup',
      reason: 'r',
      attributeScore: 85,
      behaviourScore: 80,
      decisionKey: key,
      dueAt: '2026-11-25T10:00:00+09:00',
    });
    expect(
      planWriteBack(current, {
        decision: d,
        reasonText: 'r',
        episodeKey: key,
        dueAt: '2026-12-01T00:00:00Z',
        ownerId: 'someone',
      }),
    ).toEqual({});
  });

  it('leaves a behaviour score the MA tool does not have untouched', () => {
    const current = withCurrent(lead, { behaviourScore: 12 });
    const plan = planWriteBack(current, {
      decision: { ...d, scores: { attribute: 85, behaviour: null } },
      reasonText: 'r',
      episodeKey: key,
      dueAt: null,
    });
    expect(plan).not.toHaveProperty('behaviourScore');
  });

  it('treats the same instant in another offset as unchanged', () => {
    const current = withCurrent(lead, { decisionKey: 'tu_old', dueAt: '2026-11-25T10:00:00+09:00' });
    const plan = planWriteBack(current, {
      decision: d,
      reasonText: 'r',
      episodeKey: key,
      dueAt: '2026-11-25T01:00:00.000Z',
    });
    expect(plan).not.toHaveProperty('dueAt');
  });
});

describe('handOffNote', () => {
  const lead = hotLead('N1', {
    activities: [
      { type: 'document_request', at: '2026-11-20T23:30:00Z', source: '導入事例集' },
      { type: 'webinar_attendance', at: '2026-11-21T08:00:00+09:00' },
      { type: 'email_open', at: '2026-11-22T00:00:00Z' },
    ],
  });
  const d = decided(lead);
  const note = (locale: 'ja' | 'en') =>
    handOffNote(lead, d, {
      renderer: new ReasonRenderer(locale),
      locale,
      dueAt: '2026-11-25T01:00:00.000Z',
      recordUrl: 'https://crm.example/Lead/N1',
      timeZone: 'Asia/Tokyo',
    });

  it('says why, what by when, the facts to act on and where the record is', () => {
    const { subject, body } = note('ja');
    expect(subject).toBe('【トスアップ】N1 株式会社 / 取締役 / フィールドセールスへトスアップ');
    expect(body.split('\n')).toEqual([
      'トスアップ理由: 属性スコア 85 ≥ 基準 60 / 行動スコア 80 ≥ 基準 40',
      '次のアクション: フィールドセールスへトスアップ (期限: 2026/11/25 10:00)',
      '優先度: 高',
      '企業: N1 株式会社 (製造, 1,200名, 東京都)',
      '役職・部署: 取締役 / 情報システム部',
      'ISヒアリング: 未実施',
      // Newest first by instant (23:30Z is after 08:00+09:00, though not as text), dated in Tokyo; no e-mail opens.
      '直近の接点: 2026-11-21 資料請求 – 導入事例集, 2026-11-21 ウェビナー参加',
      'レコード: https://crm.example/Lead/N1',
      `判定ルール: auto_tossup @ ${d.rulesVersion}`,
    ]);
  });

  it('renders English with English number formatting whatever the machine locale', () => {
    const { body } = note('en');
    expect(body).toContain('Company: N1 株式会社 (manufacturing, 1,200 employees, 東京都)');
    expect(body).toContain('Title / department: 取締役 / 情報システム部');
  });

  const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it("cuts a long subject to 255 UTF-16 units (Salesforce's length) without splitting a character", () => {
    const long = { ...lead, company: { ...lead.company, name: '𠮷'.repeat(300) } };
    const { subject } = handOffNote(long, d, {
      renderer: new ReasonRenderer('ja'),
      locale: 'ja',
      dueAt: null,
      recordUrl: null,
      timeZone: 'Asia/Tokyo',
    });
    expect(subject.length).toBeLessThanOrEqual(255);
    expect(subject.length).toBeGreaterThan(250);
    expect(subject).toMatch(/𠮷…$/u);
    expect(subject).not.toMatch(loneSurrogate);
  });

  it('cuts hearing notes between whole characters: no lone surrogate, no orphaned combining mark', () => {
    const hearing = {
      heardAt: null,
      budget: 'yes',
      decisionMaker: 'yes',
      decisionInvolved: 'yes',
      clearProblem: 'yes',
      timelineMonths: 3,
    } as const;
    const body = (notes: string) =>
      handOffNote({ ...lead, hearing: { ...hearing, notes } }, d, {
        renderer: new ReasonRenderer('ja'),
        locale: 'ja',
        dueAt: null,
        recordUrl: null,
        timeZone: 'Asia/Tokyo',
      }).body;
    const memo = (b: string) => /メモ: (.*)$/m.exec(b)?.[1] ?? '';

    // 199 ASCII letters then emoji: a UTF-16 cut at 200 would end on half of the first 😀.
    const emoji = memo(body(`${'a'.repeat(199)}${'😀'.repeat(10)}`));
    expect(emoji).not.toMatch(loneSurrogate);
    expect(emoji).toBe(`${'a'.repeat(199)}…`);
    // A family emoji (ZWJ sequence) and e + combining acute stay whole.
    const joined = memo(body(`${'b'.repeat(198)}👨‍👩‍👧é${'c'.repeat(5)}`));
    expect(joined).toBe(`${'b'.repeat(198)}👨‍👩‍👧…`);
    const accent = memo(body(`${'d'.repeat(198)}e\u0301${'x'.repeat(5)}`));
    expect(accent).toBe(`${'d'.repeat(198)}e\u0301…`);
    // Short notes are kept as they are.
    expect(memo(body('予算あり😀'))).toBe('予算あり😀');
  });
});
