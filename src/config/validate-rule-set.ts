import { ANSWERS, FACT_NAMES, FACTS, type FactType, OPS_BY_TYPE, TITLE_RANKS } from '../scoring/facts.ts';
import { isValidTimeZone } from '../scoring/time.ts';
import { closest } from './did-you-mean.ts';
import { OperatorSchema } from './rule-set-schema.ts';
import type { YamlPath } from './yaml-locate.ts';

/** A problem the schema cannot see because it needs the fact registry or cross-references. */
export interface SemanticIssue {
  path: YamlPath;
  message: string;
  hint: string;
}

type Add = (path: YamlPath, message: string, hint: string) => void;
type Obj = Record<string, unknown>;

/**
 * Checks a rule set against the fact registry and its own thresholds. It reads the plain YAML data
 * warily, so it also runs when the schema found problems elsewhere: an admin then gets a file's
 * unknown facts and wrong values together with its shape errors, in one pass.
 */
export function validateRuleSet(data: unknown): SemanticIssue[] {
  const rs = obj(data);
  const issues: SemanticIssue[] = [];
  const add: Add = (path, message, hint) => issues.push({ path, message, hint });
  const thresholds = Object.keys(obj(rs.thresholds));

  if (typeof rs.timeZone === 'string' && !isValidTimeZone(rs.timeZone)) {
    add(['timeZone'], `unknown time zone "${rs.timeZone}"`, 'use an IANA zone name such as Asia/Tokyo');
  }

  list(obj(rs.attributeScore).groups).forEach((raw, gi) => {
    const g = obj(raw);
    const base = ['attributeScore', 'groups', gi];
    if (typeof g.fact !== 'string') return;
    const def = FACTS[g.fact];
    if (!def || g.fact.startsWith('score.') || g.fact === 'activities.count') {
      add([...base, 'fact'], `"${g.fact}" cannot be scored as an attribute`, factHint(g.fact, true));
      return;
    }
    list(g.tiers).forEach((rawTier, ti) => {
      const t = obj(rawTier);
      if (isOperator(t.op)) checkOpValue(def.type, t.op, t.value, [...base, 'tiers', ti], add);
    });
  });

  const seenIds = new Map<string, number>();
  list(rs.rules).forEach((raw, ri) => {
    const rule = obj(raw);
    if (typeof rule.id === 'string') {
      const first = seenIds.get(rule.id);
      if (first !== undefined) {
        add(
          ['rules', ri, 'id'],
          `rule id "${rule.id}" is already used by rules[${first}]`,
          'give every rule its own id',
        );
      } else seenIds.set(rule.id, ri);
    }
    checkCondition(rule.when, ['rules', ri, 'when'], thresholds, add);
    if (rule.quotaPerMonth !== undefined && !mentionsFact(rule.when, 'manualRequest.requested')) {
      add(
        ['rules', ri, 'quotaPerMonth'],
        'a quota counts manual requests per requester, but this rule does not test manualRequest.requested',
        'remove quotaPerMonth or add `{ fact: manualRequest.requested, op: eq, value: true }` to `when`',
      );
    }
    checkHoldExpiry(rule, ['rules', ri], add);
    if (rule.intent !== undefined) checkIntent(rule, ['rules', ri], thresholds, add);
    checkApproval(rule, ['rules', ri], add);
  });
  checkHoldExpiry(obj(rs.missingData), ['missingData'], add);

  list(rs.overrides).forEach((raw, oi) => {
    const o = obj(raw);
    const date = /^\d{4}-\d{2}-\d{2}$/;
    if (typeof o.from === 'string' && typeof o.to === 'string' && date.test(o.from) && date.test(o.to)) {
      if (o.to < o.from)
        add(
          ['overrides', oi, 'to'],
          `"to" (${o.to}) is before "from" (${o.from})`,
          `swap the dates: from: ${o.to}, to: ${o.from}`,
        );
    }
    for (const name of Object.keys(obj(o.thresholds))) {
      if (!thresholds.includes(name)) {
        add(
          ['overrides', oi, 'thresholds', name],
          `unknown threshold "${name}"`,
          thresholdHint(name, thresholds),
        );
      }
    }
  });
  return issues;
}

/** `holdExpiresAfter` ends a hold: on any other outcome it would silently do nothing. */
function checkHoldExpiry(outcome: Obj, base: YamlPath, add: Add): void {
  if (outcome.holdExpiresAfter === undefined || outcome.flag === undefined || outcome.flag === 'hold') return;
  add(
    [...base, 'holdExpiresAfter'],
    `holdExpiresAfter only applies to flag: hold, but this ${base[0] === 'missingData' ? 'outcome' : 'rule'} has flag: ${String(outcome.flag)}`,
    'remove holdExpiresAfter, or set flag: hold',
  );
}

/** `intent:` gates a rule's task: it needs a rule that creates one, and no toss-up without intent. */
function checkIntent(rule: Obj, base: YamlPath, thresholds: readonly string[], add: Add): void {
  const intent = obj(rule.intent);
  checkCondition(intent.when, [...base, 'intent', 'when'], thresholds, add);
  if (rule.nextAction === 'nurture')
    add(
      [...base, 'intent'],
      'intent decides whether this rule creates a task, but its nextAction nurture creates none',
      "remove intent, or give the rule a next action that puts the lead on a person's desk",
    );
  if (obj(intent.otherwise).flag === 'yes')
    add(
      [...base, 'intent', 'otherwise', 'flag'],
      'a lead without intent is not a toss-up, but intent.otherwise has flag: yes',
      'use flag: no (the default) or hold',
    );
}

/** An approval is of a task: a rule that gives none (nurture) would wait for nothing. */
function checkApproval(rule: Obj, base: YamlPath, add: Add): void {
  if (rule.approval === undefined || rule.nextAction !== 'nurture') return;
  add(
    [...base, 'approval'],
    'approval: manager approves the task a toss-up creates, but this rule has nextAction: nurture (no task)',
    'remove approval, or give the rule a next action with a task (e.g. field_sales_tossup)',
  );
}

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function isOperator(op: unknown): op is string {
  return OperatorSchema.safeParse(op).success;
}

function checkCondition(raw: unknown, path: YamlPath, thresholds: readonly string[], add: Add): void {
  const c = obj(raw);
  for (const key of ['all', 'any'] as const) {
    if (key in c) {
      list(c[key]).forEach((x, i) => {
        checkCondition(x, [...path, key, i], thresholds, add);
      });
      return;
    }
  }
  if ('not' in c) {
    checkCondition(c.not, [...path, 'not'], thresholds, add);
    return;
  }
  if (typeof c.fact !== 'string') return;
  const def = FACTS[c.fact];
  if (!def) {
    add([...path, 'fact'], `unknown fact "${c.fact}"`, factHint(c.fact, false));
    return;
  }
  const isCount = c.fact === 'activities.count';
  for (const key of ['types', 'withinDays', 'page'] as const) {
    if (!isCount && c[key] !== undefined) {
      add([...path, key], `"${key}" only applies to activities.count`, `remove "${key}"`);
    }
  }
  if (typeof c.threshold === 'string') {
    if (!thresholds.includes(c.threshold))
      add(
        [...path, 'threshold'],
        `unknown threshold "${c.threshold}"`,
        thresholdHint(c.threshold, thresholds),
      );
    if (def.type !== 'number') {
      add(
        [...path, 'threshold'],
        `thresholds are numbers but ${c.fact} is ${def.type}`,
        'use `value:` instead',
      );
    }
    if (isOperator(c.op) && (!OPS_BY_TYPE.number.includes(c.op) || c.op === 'in' || c.op === 'notIn')) {
      add([...path, 'op'], `"${c.op}" cannot compare with a threshold`, 'use gte, gt, lte, lt, eq or neq');
    }
    return;
  }
  if (isOperator(c.op) && c.value !== undefined) checkOpValue(def.type, c.op, c.value, path, add);
}

function checkOpValue(type: FactType, op: string, value: unknown, path: YamlPath, add: Add): void {
  if (!OPS_BY_TYPE[type].includes(op)) {
    add(
      [...path, 'op'],
      `"${op}" does not apply to a ${type} fact`,
      `use one of: ${OPS_BY_TYPE[type].join(', ')}`,
    );
    return;
  }
  const list = op === 'in' || op === 'notIn';
  if (list !== Array.isArray(value)) {
    add(
      [...path, 'value'],
      list ? `"${op}" needs a list` : `"${op}" needs a single value, not a list`,
      list ? 'write value: [a, b]' : 'use `in` to compare with several values',
    );
    return;
  }
  const values = Array.isArray(value) ? value : [value];
  values.forEach((v, i) => {
    const at = Array.isArray(value) ? [...path, 'value', i] : [...path, 'value'];
    const bad = (what: string, hint: string) => add(at, `${JSON.stringify(v)} is not ${what}`, hint);
    if (type === 'number' && typeof v !== 'number')
      bad('a number', 'write the number without quotes or units');
    if (type === 'boolean' && typeof v !== 'boolean')
      bad('true or false', 'write true or false without quotes');
    if (type === 'rank' && !TITLE_RANKS.includes(v as never))
      bad('a title rank', `use one of: ${TITLE_RANKS.join(', ')}`);
    if (type === 'answer' && !ANSWERS.includes(v as never))
      bad('a hearing answer', `use one of: ${ANSWERS.join(', ')}`);
    if (type === 'string' && typeof v !== 'string') bad('text', 'quote the value');
    if (op === 'matches' && typeof v === 'string') {
      try {
        new RegExp(v, 'iu');
      } catch (e) {
        add(
          at,
          `invalid regular expression: ${(e as Error).message}`,
          'escape special characters such as ( ) [ ] with \\',
        );
      }
    }
  });
}

function mentionsFact(raw: unknown, fact: string): boolean {
  const c = obj(raw);
  if ('all' in c) return list(c.all).some((x) => mentionsFact(x, fact));
  if ('any' in c) return list(c.any).some((x) => mentionsFact(x, fact));
  if ('not' in c) return mentionsFact(c.not, fact);
  return c.fact === fact;
}

/** "did you mean" first (as routing.yaml does), then the accepted names. */
function factHint(typo: string, attribute: boolean): string {
  const names = FACT_NAMES.filter((f) => !attribute || (!f.startsWith('score.') && f !== 'activities.count'));
  const guess = closest(typo, names);
  const all = `use one of: ${names.join(', ')}`;
  return guess && guess !== typo ? `did you mean "${guess}"? (${all})` : all;
}

function thresholdHint(typo: string, names: readonly string[]): string {
  const guess = closest(typo, names);
  if (guess) return `did you mean "${guess}"? (or declare "${typo}" under thresholds:)`;
  return names.length
    ? `declare it under thresholds: or use one of: ${names.join(', ')}`
    : 'declare it under thresholds:';
}
