import type { Template } from './package-template.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON
type Json = any;

/**
 * What CloudFormation would create from a packaged template: the conditions evaluated (the ones the
 * stack writes: Fn::Equals on literal strings, Fn::Not, Fn::And, Fn::Or, Condition), resources whose
 * condition is false left out, and every Fn::If replaced by its chosen branch (AWS::NoValue removed).
 * A condition it cannot evaluate throws, so a test never reads a template it half understood.
 */
export function effectiveTemplate(template: Template & { Conditions?: Record<string, Json> }): Template {
  const conditions = template.Conditions ?? {};
  const values = new Map<string, boolean>();
  const condition = (name: string): boolean => {
    const known = values.get(name);
    if (known !== undefined) return known;
    if (!(name in conditions)) throw new Error(`unknown condition ${name}`);
    const value = evaluate(conditions[name]);
    values.set(name, value);
    return value;
  };
  const evaluate = (node: Json): boolean => {
    if (node?.['Fn::Equals']) {
      const [a, b] = node['Fn::Equals'];
      if (typeof a !== 'string' || typeof b !== 'string')
        throw new Error(`cannot evaluate ${JSON.stringify(node)}`);
      return a === b;
    }
    if (node?.['Fn::Not']) return !evaluate(node['Fn::Not'][0]);
    if (node?.['Fn::And']) return node['Fn::And'].every(evaluate);
    if (node?.['Fn::Or']) return node['Fn::Or'].some(evaluate);
    if (typeof node?.Condition === 'string') return condition(node.Condition);
    throw new Error(`cannot evaluate ${JSON.stringify(node)}`);
  };
  const NO_VALUE = Symbol('AWS::NoValue');
  const resolve = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    if (node.Ref === 'AWS::NoValue') return NO_VALUE;
    if (node['Fn::If']) {
      const [name, yes, no] = node['Fn::If'];
      return resolve(condition(name) ? yes : no);
    }
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(node)) {
      const r = resolve(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  };
  const resources: Template['Resources'] = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    const c = (r as { Condition?: string }).Condition;
    if (c !== undefined && !condition(c)) continue;
    resources[id] = resolve(r);
  }
  return { ...template, Resources: resources };
}
