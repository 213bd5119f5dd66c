import { z } from 'zod';
import { FACT_NAMES } from '../scoring/facts.ts';
import { RuleSetSchema } from './rule-set-schema.ts';

/**
 * JSON Schema of the rule file, for editors (`# yaml-language-server: $schema=...`) to complete and
 * check as admins type. Generated from the zod schema so the two cannot disagree; fact names are
 * added as an enum because the zod schema leaves them to the semantic validator.
 */
export function ruleSetJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(RuleSetSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  const facts = { enum: FACT_NAMES, description: 'A fact from the registry (see docs/rules.md)' };
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const props = o.properties as Record<string, Record<string, unknown>> | undefined;
      if (props?.fact && props.fact.type === 'string') props.fact = { ...props.fact, ...facts };
      Object.values(o).forEach(walk);
    }
  };
  walk(schema);
  return { ...schema, title: 'Toss-up rule set', $id: 'https://tossup.local/schema/rule-set.schema.json' };
}
