import type { RuleSet } from '../config/rule-set-schema.ts';
import type { Decision, Reason } from '../domain/decision.ts';
import type { Lead } from '../domain/lead.ts';
import { activityDaysOf } from './activity-days.ts';
import type { CompiledRuleSet } from './compile-rule-set.ts';
import type { DecisionContext } from './conditions.ts';
import { buildContext } from './decide.ts';
import { type AttributeScorer, compileAttributeScore } from './scores.ts';

/**
 * What made a score, as reason data: the few activities (behaviour) or attributes (fit) that gave
 * the most points. A rep trusts "行動スコア 52 ≥ 基準 40 (料金ページ閲覧 3回・資料請求)" more than the
 * bare number. Kept out of `decide` (whose throughput matters for a million leads) and added only
 * where reasons are about to be written for people (sync, `tossup score`); language-free (codes
 * and values, JSON in the reason's `detail` parameter) so the renderer words it in ja or en.
 */
export type ScoreDetail = (ctx: DecisionContext) => string | undefined;

interface DetailFns {
  attribute: ScoreDetail;
  behaviour: ScoreDetail;
}
const compiled = new WeakMap<CompiledRuleSet, DetailFns>();

function detailFor(rules: CompiledRuleSet): DetailFns {
  let d = compiled.get(rules);
  if (!d) {
    const rs = rules.source;
    d = {
      attribute: compileAttributeDetail(rs.attributeScore, compileAttributeScore(rs.attributeScore)),
      behaviour: compileBehaviourDetail(rs.behaviourScore),
    };
    compiled.set(rules, d);
  }
  return d;
}

/** The decision with its score reasons carrying `detail`; the same object when none shows a score. */
export function withScoreDetail(decision: Decision, lead: Lead, rules: CompiledRuleSet): Decision {
  const isScore = (r: Reason) =>
    r.code.startsWith('score.attribute.') || r.code.startsWith('score.behaviour.');
  if (!decision.reasons.some(isScore)) return decision;
  // The context is rebuilt as of the decision time: the same days and scores the decision saw.
  const ctx = buildContext(lead, rules, Date.parse(decision.decidedAt));
  const fns = detailFor(rules);
  const reasons = decision.reasons.map((r) => {
    if (!isScore(r)) return r;
    const detail = fns[r.code.startsWith('score.attribute.') ? 'attribute' : 'behaviour'](ctx);
    return detail ? { code: r.code, params: { ...r.params, detail } } : r;
  });
  return { ...decision, reasons };
}

const TOP = 3;

/** `[[type, page, count], …]`, most points first; `page` is set only when the page earns extra points. */
export function compileBehaviourDetail(spec: RuleSet['behaviourScore']): ScoreDetail {
  const weights = spec.weights;
  const pageWeights = spec.pageWeights;
  const window = spec.windowDays;
  const half = spec.halfLifeDays;
  return (ctx) => {
    // A score taken from the MA tool was not made by these activities: say nothing rather than guess.
    if (spec.source === 'ma') return undefined;
    if (spec.source === 'ma_or_activities' && ctx.lead.maBehaviourScore !== null) return undefined;
    const acts = ctx.lead.activities;
    const days = activityDaysOf(ctx);
    // A handful of distinct (type, page) pairs per lead: parallel arrays beat a Map of string keys.
    const types: string[] = [];
    const pages: string[] = [];
    const counts: number[] = [];
    const points: number[] = [];
    for (let i = 0; i < acts.length; i++) {
      const ago = ctx.today - days[i]!;
      if (!(ago >= 0 && ago <= window)) continue;
      const a = acts[i]!;
      const extra = a.page !== undefined ? pageWeights[a.page] : undefined;
      const w = (weights[a.type] ?? 0) + (extra ?? 0);
      if (w <= 0) continue;
      const page = extra !== undefined ? a.page! : '';
      let k = 0;
      while (k < types.length && (types[k] !== a.type || pages[k] !== page)) k++;
      if (k === types.length) {
        types.push(a.type);
        pages.push(page);
        counts.push(0);
        points.push(0);
      }
      counts[k]!++;
      points[k]! += half ? w * 0.5 ** (ago / half) : w;
    }
    if (types.length === 0) return undefined;
    const order = types.map((_, k) => k).sort((x, y) => points[y]! - points[x]!);
    return JSON.stringify(order.slice(0, TOP).map((k) => [types[k], pages[k], counts[k]]));
  };
}

/** `[[fact, value], …]` of the attribute groups that gave points, most points first. */
export function compileAttributeDetail(
  spec: RuleSet['attributeScore'],
  scorer: AttributeScorer,
): ScoreDetail {
  const factOf = new Map(spec.groups.map((g) => [g.id, g.fact]));
  return (ctx) => {
    const parts = scorer
      .breakdown(ctx)
      .filter((b) => b.points > 0)
      .sort((x, y) => y.points - x.points)
      .slice(0, TOP)
      .map((b) => {
        const fact = factOf.get(b.group)!;
        return [fact, attributeValue(ctx, fact)] as const;
      })
      .filter(([, v]) => v !== null && v !== undefined);
    return parts.length > 0 ? JSON.stringify(parts) : undefined;
  };
}

function attributeValue(ctx: DecisionContext, fact: string): string | number | null {
  const { company, person } = ctx.lead;
  switch (fact) {
    case 'company.employees':
      return company.employees;
    case 'company.revenueJpy':
      return company.revenueJpy;
    case 'company.industry':
      return company.industry;
    case 'company.region':
      return company.region;
    case 'person.titleRank':
      return person.titleRank;
    case 'person.department':
      return person.department;
    case 'person.emailDomain':
      return person.emailDomain;
    default:
      return null;
  }
}
