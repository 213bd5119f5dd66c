import type { Decision, Reason } from '../domain/decision.ts';
import { type Lead, TITLE_RANKS } from '../domain/lead.ts';
import type { CompiledRule, CompiledRuleSet } from './compile-rule-set.ts';
import {
  ALL,
  ANY,
  type ConditionPlan,
  EQ,
  GT,
  GTE,
  IN,
  LEAF,
  LT,
  NEQ,
  NOT,
  NOT_IN,
  TEXT,
} from './condition-plan.ts';
import { type CompiledCondition, type CompiledLeaf, pushMissing } from './conditions.ts';
import type { DecideOptions } from './decide.ts';
import {
  addOverrideReasons,
  decisionOf,
  expireHold,
  OTHERWISE,
  ownerFor,
  quotaExceeded,
} from './decision-parts.ts';
import { FACTS, rankNumber } from './facts.ts';
import { intentNotShown } from './intent-floor.ts';
import type { AttributeGroup } from './scores.ts';
import { isoLocalDay, localDay } from './time.ts';

/**
 * A rule set's own decide function, generated once per compiled rule set (JavaScript source through
 * `new Function`) and cached on it (`CompiledRuleSet.specialised`). The generic interpreter walks
 * plans, closures and maps per lead; this one is straight-line code for one rule set: the attribute
 * groups' tiers as comparisons with their points, the behaviour weights as a switch with the decay
 * table, activity timestamps parsed straight into day numbers in the same loop that sums them, every
 * rule's conditions as nested blocks in rule order, thresholds read once per instant into locals, and
 * only the deciding rule's reasons built — through the same leaf reasons, decision parts and shared
 * objects as the generic path, so the decisions are deep-equal (test/scoring/specialised-decide.test.ts
 * holds it to the generic one on random leads and rule sets, and the reference digests hold both).
 *
 * Nothing an admin wrote is spliced into the source as code. Rule ids, texts, sets, regexes, reasons,
 * outcomes and anything that is not a finite number or a boolean go in through the constants array
 * `K` (bound once to locals `c0`, `c1`, … of the factory); texts compared in a `switch` (tier values,
 * weight keys) go in as `JSON.stringify` literals — a JSON string is a JavaScript string literal:
 * quotes, backslashes and line breaks come out escaped, U+2028/9 are valid inside one since ES2019,
 * and backticks, `${` and comment markers are inert inside double quotes. The function's name keeps
 * only the letters, digits and `_` of the rule set's name; every other identifier is made up here
 * from counters. test/scoring/specialised-decide.test.ts decides with hostile texts of each kind.
 *
 * The facts are read as `factValue` (facts.ts) reads them (`FACT_READS`, the same expressions); a fact
 * not listed there makes the generator give up and the generic path decide, so a new fact never
 * decides wrongly here, only more slowly until it is listed.
 *
 * Returns undefined for a rule set using something it does not specialise (an unknown fact): the
 * generic path decides those.
 */
export type SpecialisedDecide = (
  lead: Lead,
  nowMs: number,
  options: DecideOptions,
  reasons: Reason[],
) => Decision;

export function specialiseDecide(rules: CompiledRuleSet): SpecialisedDecide | undefined {
  const source = specialisedSource(rules);
  if (source === undefined) return undefined;
  const factory = new Function('K', 'H', 'R', source.code) as (
    k: readonly unknown[],
    h: typeof HELPERS,
    r: CompiledRuleSet,
  ) => SpecialisedDecide;
  return factory(source.constants, HELPERS, rules);
}

/** The generated source and its constants (exported for tests and for reading what was generated). */
export function specialisedSource(
  rules: CompiledRuleSet,
): { code: string; constants: readonly unknown[] } | undefined {
  try {
    const g = new Generator(rules);
    return { code: g.build(), constants: g.constants };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** What the generated code calls: the same functions the generic path uses. */
const HELPERS = {
  isoLocalDay,
  localDay,
  rankNumber,
  pushMissing,
  decisionOf,
  expireHold,
  ownerFor,
  quotaExceeded,
  addOverrideReasons,
};

class Unsupported extends Error {}

/**
 * How a fact's value is read from the lead (`factValue` in facts.ts, the same expressions): `orMissing`
 * facts read `null` as missing (`undefined`).
 */
const FACT_READS: Readonly<Record<string, { read: string; orMissing: boolean }>> = {
  'company.employees': { read: 'lead.company.employees', orMissing: true },
  'company.revenueJpy': { read: 'lead.company.revenueJpy', orMissing: true },
  'company.industry': { read: 'lead.company.industry', orMissing: true },
  'company.region': { read: 'lead.company.region', orMissing: true },
  'company.existingCustomer': { read: 'lead.company.existingCustomer', orMissing: false },
  'company.strategicTarget': { read: 'lead.company.strategicTarget', orMissing: false },
  'person.titleRank': { read: 'lead.person.titleRank', orMissing: true },
  'person.department': { read: 'lead.person.department', orMissing: true },
  'person.emailDomain': { read: 'lead.person.emailDomain', orMissing: true },
  'hearing.heard': { read: 'lead.hearing !== null', orMissing: false },
  'hearing.budget': { read: 'lead.hearing ? lead.hearing.budget : undefined', orMissing: false },
  'hearing.decisionMaker': {
    read: 'lead.hearing ? lead.hearing.decisionMaker : undefined',
    orMissing: false,
  },
  'hearing.decisionInvolved': {
    read: 'lead.hearing ? lead.hearing.decisionInvolved : undefined',
    orMissing: false,
  },
  'hearing.clearProblem': { read: 'lead.hearing ? lead.hearing.clearProblem : undefined', orMissing: false },
  'hearing.timelineMonths': {
    read: 'lead.hearing ? lead.hearing.timelineMonths : undefined',
    orMissing: false,
  },
  'history.previouslyLost': { read: 'lead.history.previouslyLost', orMissing: false },
  'manualRequest.requested': { read: 'lead.manualRequest !== null', orMissing: false },
  'score.attribute': { read: 'aValue', orMissing: false },
  'score.behaviour': { read: 'beh', orMissing: false },
};

const FACT_NAME_BY_ID = new Map(Object.entries(FACTS).map(([name, def]) => [def.id, name]));

const THRESHOLD_OPS: Readonly<Record<number, string>> = {
  [EQ]: '===',
  [NEQ]: '!==',
  [GT]: '>',
  [GTE]: '>=',
  [LT]: '<',
};

class Generator {
  readonly constants: unknown[] = [];
  private n = 0;
  private readonly rules: CompiledRuleSet;
  /** Threshold name → the local holding its value for the current instant. */
  private readonly thresholdVars = new Map<string, string>();
  /** Each leaf plan's compiled leaf (for its reasons). */
  private readonly leafOf = new Map<ConditionPlan, CompiledLeaf>();

  constructor(rules: CompiledRuleSet) {
    this.rules = rules;
    const all = (c: CompiledCondition) => {
      for (const leaf of c.leaves) this.leafOf.set(leaf.plan, leaf);
    };
    for (const r of rules.rules) {
      all(r.when);
      if (r.intent) all(r.intent);
    }
  }

  /** A value the generated code reads from `K` (bound once to a local `c<i>` of the factory). */
  private k(value: unknown): string {
    return `c${this.constants.push(value) - 1}`;
  }

  /** A finite number or a boolean as source text; anything else through `K`. */
  private lit(value: unknown): string {
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0)) return `(${value})`;
    return this.k(value);
  }

  private name(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  build(): string {
    const rs = this.rules.source;
    const body: string[] = [];
    for (let i = 0; i < this.rules.rules.length; i++) body.push(this.rule(i, this.rules.rules[i]!));
    const otherwise = this.otherwise();
    const attribute = this.attribute();
    const behaviour = this.behaviour();
    const thresholds = [...this.thresholdVars]
      .map(([name, v]) => `${v} = th[${this.k(name)}] ?? NaN;`)
      .join('\n    ');
    const hasQuota = this.rules.rules.some((r) => r.rule.quotaPerMonth !== undefined);
    const version = this.k(this.rules.version);
    const none = this.k(Object.freeze([]));
    // Last: every constant is known once the rest of the source is.
    const bound = this.constants.map((_, i) => `c${i} = K[${i}]`).join(', ');
    return `"use strict";
const ${bound};
const { isoLocalDay, localDay, rankNumber, pushMissing, decisionOf, expireHold, ownerFor, quotaExceeded, addOverrideReasons } = H;
const VERSION = ${version};
const NONE = ${none};
let lastNow = NaN, offsetMs = 0, today = 0, cutoff = "", decidedAt = "";
${this.thresholdVars.size > 0 ? `let ${[...this.thresholdVars.values()].map((v) => `${v} = NaN`).join(', ')};` : ''}
let DAYS = new Float64Array(64);
/** The per-instant values (the rule set caches them per hour and day; here per instant). */
function refresh(nowMs) {
  offsetMs = R.offsetAt(nowMs);
  today = localDay(nowMs, offsetMs);
  const th = R.thresholdsOn(today).thresholds;
  ${thresholds}
  cutoff = R.activityCutoff(nowMs);
  decidedAt = new Date(nowMs).toISOString();
  lastNow = nowMs;
}
/** Local day of each activity (NaN: before the cutoff, unparseable or after now), for activity counts. */
function fillDays(acts, nowMs) {
  if (DAYS.length < acts.length) DAYS = new Float64Array(acts.length * 2);
  for (let i = 0; i < acts.length; i++) {
    const at = acts[i].at;
    DAYS[i] = at < cutoff ? NaN : isoLocalDay(at, offsetMs, nowMs);
  }
}
return function decide_${this.safeIdent(rs.name)}(lead, nowMs, options, reasons) {
  if (nowMs !== lastNow) refresh(nowMs);
  let daysReady = false;
  ${hasQuota ? 'let notes;' : ''}
  ${attribute}
  ${behaviour}
  ${body.join('\n  ')}
  ${otherwise}
};
`;
  }

  /** A rule set name as part of an identifier: letters and digits only (the name is lower_snake_case). */
  private safeIdent(name: string): string {
    return name.replace(/[^A-Za-z0-9]/g, '_').slice(0, 40);
  }

  // ── scores ─────────────────────────────────────────────────────────────────────────────────────

  private attribute(): string {
    const scorer = this.rules.attribute;
    const out = ['let aValue = 0, aMax = 0, aMissing;'];
    for (const g of scorer.groups) out.push(this.group(g));
    const cap = this.lit(this.rules.source.attributeScore.cap);
    out.push(`aValue = Math.min(${cap}, aValue);`, `aMax = Math.min(${cap}, aMax);`);
    return out.join('\n  ');
  }

  private group(g: AttributeGroup): string {
    const name = FACT_NAME_BY_ID.get(g.fact.id);
    const fact = name === undefined ? undefined : FACT_READS[name];
    if (!fact || name === undefined || name.startsWith('score.')) throw new Unsupported(name);
    const v = this.name('g');
    const missing = g.required
      ? `aMax += ${this.lit(g.best)}; aMissing = aMissing === undefined ? ${this.k(g.alone)} : [...aMissing, ${this.k(g.fact.source)}];`
      : '';
    const absent = fact.orMissing ? `${v} === null || ${v} === undefined` : `${v} === undefined`;
    return `{
    const ${v} = ${fact.read};
    if (${absent}) { ${missing} }
    else if (${v} !== null) { let p; ${this.groupPoints(g, v, 'p')} aValue += p; aMax += p; }
  }`;
  }

  /** Statements setting `p` to the points of a present value: `tierPoints` (numbers) or `byValue`. */
  private groupPoints(g: AttributeGroup, v: string, p: string): string {
    if (g.byValue === undefined) {
      let expr = '0';
      for (let i = g.tiers.length - 1; i >= 0; i--)
        expr = `(${this.literalTest(g.tiers[i]!, v)} ? ${this.lit(g.points[i])} : ${expr})`;
      return `${p} = ${expr};`;
    }
    const byValue = this.k(g.byValue);
    if (g.fact.type === 'rank') {
      // The points of each rank worked out now; anything else (not a rank) as the generic path does.
      const cases = TITLE_RANKS.map(
        (r) => `case ${JSON.stringify(r)}: ${p} = ${this.lit(g.tierPoints(rankNumber(r)))}; break;`,
      );
      return `switch (${v}) { ${cases.join(' ')} default: ${p} = ${byValue}(${v}); }`;
    }
    const literals = this.stringLiterals(g.tiers);
    if (literals !== undefined) {
      // eq / in tiers of texts only: a text none of them names scores 0; the first tier naming it wins.
      const cases = [...literals].map(
        ([text, i]) => `case ${JSON.stringify(text)}: ${p} = ${this.lit(g.points[i])}; break;`,
      );
      return `switch (${v}) { ${cases.join(' ')} default: ${p} = typeof ${v} === "string" ? 0 : ${byValue}(${v}); }`;
    }
    return `${p} = ${byValue}(${v});`;
  }

  /** Texts named by tiers that are all `eq` / `in` of texts, with the first tier naming each. */
  private stringLiterals(tiers: readonly ConditionPlan[]): Map<string, number> | undefined {
    const out = new Map<string, number>();
    for (let i = 0; i < tiers.length; i++) {
      const t = tiers[i]!;
      const values = t.cmp === EQ ? [t.expected] : t.cmp === IN ? [...t.set!] : undefined;
      if (values === undefined) return undefined;
      for (const x of values) {
        if (typeof x !== 'string') return undefined;
        if (!out.has(x)) out.set(x, i);
      }
    }
    return out;
  }

  private behaviour(): string {
    const spec = this.rules.source.behaviourScore;
    const ma = 'lead.maBehaviourScore === null ? undefined : Math.round(lead.maBehaviourScore)';
    if (spec.source === 'ma') return `const beh = ${ma};`;
    const decay = Float64Array.from({ length: spec.windowDays + 1 }, (_, d) =>
      spec.halfLifeDays ? 0.5 ** (d / spec.halfLifeDays) : 1,
    );
    // A weight is a number (the schema says so); the keys go in as JSON string literals.
    const weightCases = (weights: Record<string, number>, w: string) =>
      Object.entries(weights)
        .map(([key, x]) => {
          if (typeof x !== 'number') throw new Unsupported('weights');
          return `case ${JSON.stringify(key)}: ${w} = ${this.lit(x)}; break;`;
        })
        .join(' ');
    // The days are written for activity counts only when a rule counts activities.
    const keepDays = this.rulesCountActivities();
    const fromActivities = `{
    const acts = lead.activities;
    ${keepDays ? 'if (DAYS.length < acts.length) DAYS = new Float64Array(acts.length * 2);' : ''}
    let sum = 0;
    for (let i = 0; i < acts.length; i++) {
      const a = acts[i];
      const at = a.at;
      const day = at < cutoff ? NaN : isoLocalDay(at, offsetMs, nowMs);
      ${keepDays ? 'DAYS[i] = day;' : ''}
      const ago = today - day;
      if (!(ago >= 0 && ago <= ${this.lit(spec.windowDays)})) continue;
      let w;
      switch (a.type) { ${weightCases(spec.weights, 'w')} default: w = 0; }
      if (a.page !== undefined) {
        let pw;
        switch (a.page) { ${weightCases(spec.pageWeights, 'pw')} default: pw = 0; }
        w += pw;
      }
      sum += w * DECAY[ago];
    }
    ${keepDays ? 'daysReady = true;' : ''}
    beh = Math.min(CAP, Math.round(sum));
  }`;
    const consts = `const DECAY = ${this.k(decay)}, CAP = ${this.lit(spec.cap ?? Number.POSITIVE_INFINITY)};`;
    if (spec.source === 'ma_or_activities')
      return `${consts}\n  let beh = ${ma};\n  if (beh === undefined) ${fromActivities}`;
    return `${consts}\n  let beh;\n  ${fromActivities}`;
  }

  private rulesCountActivities(): boolean {
    const counts = (c: CompiledCondition) => c.leaves.some((l) => l.spec.fact === 'activities.count');
    return this.rules.rules.some((r) => counts(r.when) || (r.intent !== undefined && counts(r.intent)));
  }

  // ── rules ──────────────────────────────────────────────────────────────────────────────────────

  private rule(i: number, compiled: CompiledRule): string {
    const { rule, when, intent } = compiled;
    const label = `rule${i}`;
    const r = this.name('r');
    const notes = this.pushNotes();
    const missingData = `return expireHold(decisionOf(lead.id, ${this.k(this.rules.source.missingData)}, ${this.k(rule.id)}, aValue, beh, reasons, true, VERSION, decidedAt, undefined), nowMs, R, ${this.k(this.rules.missingDataHoldExpiresAfter)}, options);`;
    const quota =
      rule.quotaPerMonth === undefined
        ? ''
        : `if (options.quotaUsed) { const note = quotaExceeded(${this.k(rule)}, lead, options); if (note !== undefined) { if (notes === undefined) notes = []; notes.push(note); break ${label}; } }`;
    let intentTest = '';
    let intentExplain = '';
    if (intent && rule.intent) {
      const ri = this.name('r');
      intentTest = `let ${ri}; ${this.test(intent.plan, ri)}
    if (${ri} !== 1) { reasons.push(${this.k(intentNotShown(rule.id))}); outcome = ${this.k(rule.intent.otherwise)}; }`;
      intentExplain = this.explainAsVar(intent.plan, ri);
    }
    const overrides =
      this.rules.source.overrides.length > 0
        ? `addOverrideReasons(today, R, ${this.k(compiled)}, reasons);`
        : '';
    const owner = rule.owner === undefined ? 'undefined' : `ownerFor(${this.k(rule)}, lead)`;
    const decided = `decisionOf(lead.id, outcome, ${this.k(rule.id)}, aValue, beh, reasons, false, VERSION, decidedAt, ${owner})`;
    const ret = compiled.holdExpiresAfter
      ? `return expireHold(${decided}, nowMs, R, ${this.k(compiled.holdExpiresAfter)}, options);`
      : `return ${decided};`;
    return `${label}: {
    let ${r}; ${this.test(when.plan, r)}
    if (${r} === 0) break ${label};
    if (${r} === 2) {
      ${rule.onMissing === 'skip' ? `break ${label};` : `${notes} ${this.explainAs(when.plan, 2)} ${missingData}`}
    }
    ${quota}
    let outcome = ${this.k(rule)};
    ${intentTest}
    ${notes}
    ${this.explainAs(when.plan, 1)}
    ${intentExplain}
    ${overrides}
    ${ret}
  }`;
  }

  private otherwise(): string {
    const explained = this.rules.rules
      .filter((r) => r.rule.explainWhenNotMet)
      .map((r) => {
        const v = this.name('r');
        return `{ let ${v}; ${this.test(r.when.plan, v)} ${this.explainAsVar(r.when.plan, v)} }`;
      });
    return `${this.pushNotes()}
  ${explained.join('\n  ')}
  if (reasons.length === 0) reasons.push(${this.k(OTHERWISE)});
  return decisionOf(lead.id, ${this.k(this.rules.source.otherwise)}, "otherwise", aValue, beh, reasons, false, VERSION, decidedAt, undefined);`;
  }

  private pushNotes(): string {
    return this.rules.rules.some((r) => r.rule.quotaPerMonth !== undefined)
      ? 'if (notes !== undefined) for (let j = 0; j < notes.length; j++) reasons.push(notes[j]);'
      : '';
  }

  // ── conditions ─────────────────────────────────────────────────────────────────────────────────

  /** Statements setting `out` to the node's three-valued result (0 FALSE, 1 TRUE, 2 UNKNOWN). */
  private test(p: ConditionPlan, out: string): string {
    if (p.kind === LEAF) return this.testLeaf(p, out);
    if (p.kind === NOT) {
      const c = this.name('r');
      return `{ let ${c}; ${this.test(p.children[0]!, c)} ${out} = ${c} === 2 ? 2 : ${c} === 1 ? 0 : 1; }`;
    }
    // all: FALSE at the first FALSE child; any: TRUE at the first TRUE one; else UNKNOWN if one was.
    const label = this.name('n');
    const unknown = this.name('u');
    const stop = p.kind === ALL ? 0 : 1;
    const children = p.children.map((ch) => {
      const c = this.name('r');
      return `{ let ${c}; ${this.test(ch, c)} if (${c} === ${stop}) { ${out} = ${stop}; break ${label}; } if (${c} === 2) ${unknown} = true; }`;
    });
    return `${label}: { let ${unknown} = false; ${children.join(' ')} ${out} = ${unknown} ? 2 : ${1 - stop}; }`;
  }

  private testLeaf(p: ConditionPlan, out: string): string {
    const v = this.name('v');
    const value = this.value(p, v);
    const neg = p.negative ? 1 : 0;
    const bounded = p.bounded
      ? `else if (aMissing !== undefined) { const lo = ${this.compare(p, v)}, hi = ${this.compare(p, 'aMax')}; ${out} = lo ? (hi ? 1 : 2) : hi ? 2 : 0; }`
      : '';
    const subject = p.rank ? `rankNumber(String(${v}))` : v;
    return `{ ${value}
    if (${v} === undefined) ${out} = 2; else if (${v} === null) ${out} = ${neg}; ${bounded} else ${out} = ${this.compare(p, subject)} ? 1 : 0; }`;
  }

  /** Statements declaring `v` as the leaf's fact value (`planValue`). */
  private value(p: ConditionPlan, v: string): string {
    const leaf = this.leafOf.get(p);
    if (!leaf) throw new Unsupported('leaf');
    const name = leaf.spec.fact;
    if (name === 'activities.count') {
      const within = this.lit(p.within);
      const types = p.types ? `if (!${this.k(p.types)}.has(a.type)) continue;` : '';
      const page = p.page !== undefined ? `if (a.page !== ${this.k(p.page)}) continue;` : '';
      return `if (!daysReady) { fillDays(lead.activities, nowMs); daysReady = true; }
    let ${v} = 0;
    { const acts = lead.activities; for (let i = 0; i < acts.length; i++) { const ago = today - DAYS[i]; if (!(ago >= 0 && ago <= ${within})) continue; const a = acts[i]; ${types} ${page} ${v}++; } }`;
    }
    const fact = FACT_READS[name];
    if (!fact) throw new Unsupported(name);
    return fact.orMissing
      ? `let ${v} = ${fact.read}; if (${v} === null) ${v} = undefined;`
      : `const ${v} = ${fact.read};`;
  }

  /** An expression: whether `subject` satisfies the leaf's comparison (`compare` in condition-plan.ts). */
  private compare(p: ConditionPlan, subject: string): string {
    if (p.threshold === undefined) return this.literalTest(p, subject);
    return `${subject} ${THRESHOLD_OPS[p.cmp] ?? '<='} ${this.threshold(p.threshold)}`;
  }

  private threshold(name: string): string {
    let v = this.thresholdVars.get(name);
    if (v === undefined) {
      v = this.name('th');
      this.thresholdVars.set(name, v);
    }
    return v;
  }

  /** `matchesLiteral` for one plan as an expression. */
  private literalTest(p: ConditionPlan, a: string): string {
    const e = () => this.lit(p.expected);
    switch (p.cmp) {
      case EQ:
        return `${a} === ${e()}`;
      case NEQ:
        return `${a} !== ${e()}`;
      case GT:
        return `${a} > ${e()}`;
      case GTE:
        return `${a} >= ${e()}`;
      case LT:
        return `${a} < ${e()}`;
      case IN:
        return `${this.k(p.set)}.has(${a})`;
      case NOT_IN:
        return `!${this.k(p.set)}.has(${a})`;
      case TEXT:
        return `${this.k(p.text)}(String(${a}))`;
      default:
        return `${a} <= ${e()}`;
    }
  }

  // ── explanations ───────────────────────────────────────────────────────────────────────────────

  /** `explainAs` with the result in a variable. */
  private explainAsVar(p: ConditionPlan, r: string): string {
    return `if (${r} === 0) { ${this.explainAs(p, 0)} } else if (${r} === 2) { ${this.explainAs(p, 2)} } else { ${this.explainAs(p, 1)} }`;
  }

  /** `explainAs` (conditions.ts) for a known result: the same children tested, the same reasons in order. */
  private explainAs(p: ConditionPlan, r: 0 | 1 | 2): string {
    if (p.kind === LEAF) return this.explainLeaf(p, r);
    if (p.kind === NOT) return this.explainAs(p.children[0]!, r === 2 ? 2 : r === 1 ? 0 : 1);
    const only = (ch: ConditionPlan, want: 0 | 1 | 2) => {
      const c = this.name('r');
      return `{ let ${c}; ${this.test(ch, c)} if (${c} === ${want}) { ${this.explainAs(ch, want)} } }`;
    };
    if (p.kind === ANY) return p.children.map((ch) => only(ch, r)).join(' ');
    // all: FALSE → the failing children; UNKNOWN → the unknown ones, then those that hold; TRUE → all.
    if (r === 0) return p.children.map((ch) => only(ch, 0)).join(' ');
    if (r === 2)
      return [...p.children.map((ch) => only(ch, 2)), ...p.children.map((ch) => only(ch, 1))].join(' ');
    return p.children.map((ch) => this.explainAs(ch, 1)).join(' ');
  }

  private explainLeaf(p: ConditionPlan, r: 0 | 1 | 2): string {
    const leaf = this.leafOf.get(p);
    if (!leaf) throw new Unsupported('leaf');
    if (r === 2) {
      const fields = leaf.missingFields
        ? this.k(leaf.missingFields)
        : '(aMissing === undefined ? NONE : aMissing)';
      return `pushMissing(lead, ${fields}, reasons);`;
    }
    const v = this.name('v');
    const threshold = p.threshold === undefined ? '0' : this.threshold(p.threshold);
    return `{ ${this.value(p, v)} reasons.push(${this.k(leaf)}.reasonFor(${r === 1}, ${v}, ${threshold}, lead)); }`;
  }
}
