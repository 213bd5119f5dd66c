import { ANSWERS, FACT_NAMES, FACTS, type FactType, OPS_BY_TYPE, TITLE_RANKS } from '../scoring/facts.ts';
import { isValidTimeZone } from '../scoring/time.ts';
import type { Condition, RuleSet } from './rule-set-schema.ts';
import type { YamlPath } from './yaml-locate.ts';

/** A problem the schema cannot see because it needs the fact registry or cross-references. */
export interface SemanticIssue {
  path: YamlPath;
  message: string;
  hint: string;
}

export function validateRuleSet(rs: RuleSet): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add = (path: YamlPath, message: string, hint: string) => issues.push({ path, message, hint });

  if (!isValidTimeZone(rs.timeZone)) {
    add(['timeZone'], `unknown time zone "${rs.timeZone}"`, 'use an IANA zone name such as Asia/Tokyo');
  }

  rs.attributeScore.groups.forEach((g, gi) => {
    const base = ['attributeScore', 'groups', gi];
    const def = FACTS[g.fact];
    if (!def || g.fact.startsWith('score.') || g.fact === 'activities.count') {
      add([...base, 'fact'], `"${g.fact}" cannot be scored as an attribute`, factHint(true));
      return;
    }
    g.tiers.forEach((t, ti) => {
      checkOpValue(def.type, t.op, t.value, [...base, 'tiers', ti], add);
    });
  });

  const seenIds = new Map<string, number>();
  rs.rules.forEach((rule, ri) => {
    const first = seenIds.get(rule.id);
    if (first !== undefined) {
      add(
        ['rules', ri, 'id'],
        `rule id "${rule.id}" is already used by rules[${first}]`,
        'give every rule its own id',
      );
    } else seenIds.set(rule.id, ri);
    checkCondition(rule.when, ['rules', ri, 'when'], rs, add);
    if (rule.quotaPerMonth !== undefined && !mentionsFact(rule.when, 'manualRequest.requested')) {
      add(
        ['rules', ri, 'quotaPerMonth'],
        'a quota counts manual requests per requester, but this rule does not test manualRequest.requested',
        'remove quotaPerMonth or add `{ fact: manualRequest.requested, op: eq, value: true }` to `when`',
      );
    }
  });

  rs.overrides.forEach((o, oi) => {
    if (o.to < o.from)
      add(['overrides', oi, 'to'], `"to" (${o.to}) is before "from" (${o.from})`, 'swap the dates');
    for (const name of Object.keys(o.thresholds)) {
      if (!(name in rs.thresholds)) {
        add(['overrides', oi, 'thresholds', name], `unknown threshold "${name}"`, thresholdHint(rs));
      }
    }
  });
  return issues;
}

function checkCondition(
  c: Condition,
  path: YamlPath,
  rs: RuleSet,
  add: (path: YamlPath, message: string, hint: string) => void,
): void {
  if ('all' in c) {
    c.all.forEach((x, i) => {
      checkCondition(x, [...path, 'all', i], rs, add);
    });
    return;
  }
  if ('any' in c) {
    c.any.forEach((x, i) => {
      checkCondition(x, [...path, 'any', i], rs, add);
    });
    return;
  }
  if ('not' in c) {
    checkCondition(c.not, [...path, 'not'], rs, add);
    return;
  }
  const def = FACTS[c.fact];
  if (!def) {
    add([...path, 'fact'], `unknown fact "${c.fact}"`, factHint(false));
    return;
  }
  const isCount = c.fact === 'activities.count';
  for (const key of ['types', 'withinDays', 'page'] as const) {
    if (!isCount && c[key] !== undefined) {
      add([...path, key], `"${key}" only applies to activities.count`, `remove "${key}"`);
    }
  }
  if (c.threshold !== undefined) {
    if (!(c.threshold in rs.thresholds))
      add([...path, 'threshold'], `unknown threshold "${c.threshold}"`, thresholdHint(rs));
    if (def.type !== 'number') {
      add(
        [...path, 'threshold'],
        `thresholds are numbers but ${c.fact} is ${def.type}`,
        'use `value:` instead',
      );
    }
    if (!OPS_BY_TYPE.number.includes(c.op) || c.op === 'in' || c.op === 'notIn') {
      add([...path, 'op'], `"${c.op}" cannot compare with a threshold`, 'use gte, gt, lte, lt, eq or neq');
    }
    return;
  }
  checkOpValue(def.type, c.op, c.value, path, add);
}

function checkOpValue(
  type: FactType,
  op: string,
  value: unknown,
  path: YamlPath,
  add: (path: YamlPath, message: string, hint: string) => void,
): void {
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

function mentionsFact(c: Condition, fact: string): boolean {
  if ('all' in c) return c.all.some((x) => mentionsFact(x, fact));
  if ('any' in c) return c.any.some((x) => mentionsFact(x, fact));
  if ('not' in c) return mentionsFact(c.not, fact);
  return c.fact === fact;
}

function factHint(attribute: boolean): string {
  const names = FACT_NAMES.filter((f) => !attribute || (!f.startsWith('score.') && f !== 'activities.count'));
  return `use one of: ${names.join(', ')}`;
}

function thresholdHint(rs: RuleSet): string {
  const names = Object.keys(rs.thresholds);
  return names.length
    ? `declare it under thresholds: or use one of: ${names.join(', ')}`
    : 'declare it under thresholds:';
}
