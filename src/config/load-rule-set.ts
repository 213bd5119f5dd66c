import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../domain/errors.ts';
import { type CompiledRuleSet, compileRuleSet } from '../scoring/compile-rule-set.ts';
import { readConfigFile } from './read-config-file.ts';
import { type RuleSet, RuleSetSchema } from './rule-set-schema.ts';
import { validateRuleSet } from './validate-rule-set.ts';
import {
  formatYamlPath,
  locateYamlPath,
  parseYamlSource,
  sortIssues,
  zodIssuesToConfigIssues,
} from './yaml-locate.ts';

export const PRESETS = ['small', 'mid', 'large'] as const;
export type PresetName = (typeof PRESETS)[number];

const RULES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../mappings/rules');

/** `small`, `mid`, `large` name the shipped presets; anything else is a path to a YAML file. */
export function resolveRuleSetPath(fileOrPreset: string): string {
  return (PRESETS as readonly string[]).includes(fileOrPreset)
    ? join(RULES_DIR, `${fileOrPreset}.yaml`)
    : fileOrPreset;
}

/**
 * Parses and validates a rule file, reporting every problem at once (syntax, schema, semantics)
 * with file, line, path and a hint, before anything runs.
 */
export function parseRuleSet(text: string, file: string): RuleSet {
  const { source, data } = parseYamlSource(text, file);
  const parsed = RuleSetSchema.safeParse(data ?? {});
  // The semantic checks read the plain data, so they run even when the shape is wrong elsewhere:
  // every problem of the file comes in one report, in line order.
  const shape = parsed.success ? [] : zodIssuesToConfigIssues(parsed.error.issues, source, data, ruleHint);
  const semantic = validateRuleSet(parsed.success ? parsed.data : data).map((s) => ({
    file,
    ...locateYamlPath(source, s.path),
    path: formatYamlPath(s.path),
    message: s.message,
    hint: s.hint,
  }));
  const seen = new Set(shape.map((i) => `${i.path}\u0000${i.message}`));
  const issues = [...shape, ...semantic.filter((i) => !seen.has(`${i.path}\u0000${i.message}`))];
  if (issues.length > 0 || !parsed.success) throw new ConfigError(sortIssues(issues));
  return parsed.data;
}

export function loadRuleSet(fileOrPreset: string): RuleSet {
  const path = resolveRuleSetPath(fileOrPreset);
  const text = readConfigFile(
    path,
    'rule file',
    `give a path to a YAML file or a preset name: ${PRESETS.join(', ')}`,
  );
  return parseRuleSet(text, displayPath(path));
}

export function loadCompiledRuleSet(fileOrPreset: string): CompiledRuleSet {
  return compileRuleSet(loadRuleSet(fileOrPreset));
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

const ruleHint = (issue: { code: string; path: readonly PropertyKey[] }): string | undefined => {
  const last = issue.path.at(-1);
  if (issue.code === 'invalid_union' && issue.path.includes('when')) {
    return 'a condition is { fact, op, value | threshold } or { all: [...] } / { any: [...] } / { not: ... }';
  }
  if (last === 'flag') return 'use yes, no or hold';
  if (issue.path[0] === 'thresholds' || issue.path.includes('thresholds')) {
    return 'threshold names use letters, digits and _ and values are plain numbers, e.g. behaviour: 100';
  }
  return undefined;
};
