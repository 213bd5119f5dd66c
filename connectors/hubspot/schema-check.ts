import type { CrmObjectType, HubspotClient, PropertyInfo } from './client.ts';
import type { HubspotMapping } from './mapping.ts';
import { type PropertyRequirement, requiredProperties } from './required-properties.ts';

/**
 * `tossup validate --crm hubspot`: compares the mapping with the portal's property schema and
 * lists EVERY problem at once (one properties call per object type), each with the fix.
 */

export type SchemaProblemKind = 'missing' | 'wrong_type' | 'read_only' | 'missing_options' | 'not_unique';

export interface SchemaProblem {
  object: CrmObjectType;
  property: string;
  /** Where mappings/hubspot.yaml names it. */
  mappingPath: string;
  kind: SchemaProblemKind;
  message: string;
  fix: string;
}

export interface SchemaCheckResult {
  ok: boolean;
  problems: SchemaProblem[];
  /** How many mapped properties were checked. */
  checked: number;
}

export interface SchemaReader {
  listProperties(type: CrmObjectType): Promise<PropertyInfo[]>;
}

export async function checkHubspotSchema(
  reader: SchemaReader | HubspotClient,
  mapping: HubspotMapping,
): Promise<SchemaCheckResult> {
  const requirements = requiredProperties(mapping);
  const objects = [...new Set(requirements.map((r) => r.object))];
  const schemas = new Map<CrmObjectType, Map<string, PropertyInfo>>();
  for (const object of objects) {
    const list = await reader.listProperties(object);
    schemas.set(object, new Map(list.map((p) => [p.name, p])));
  }
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const r of requirements) {
    const id = `${r.object}.${r.name}.${r.write}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push(...checkOne(r, schemas.get(r.object)!.get(r.name)));
  }
  return { ok: problems.length === 0, problems, checked: seen.size };
}

function checkOne(r: PropertyRequirement, p: PropertyInfo | undefined): SchemaProblem[] {
  const base = { object: r.object, property: r.name, mappingPath: r.mappingPath };
  const setup = r.create ? 'run "tossup setup hubspot" to create it' : undefined;
  if (!p) {
    return [
      {
        ...base,
        kind: 'missing',
        message: `${r.object} property "${r.name}" does not exist in the portal`,
        fix:
          setup ??
          `create it in HubSpot (type ${r.types.join(' or ')}) or change ${r.mappingPath} in mappings/hubspot.yaml (null switches it off where allowed)`,
      },
    ];
  }
  const out: SchemaProblem[] = [];
  const typeOk = r.types.includes(p.type);
  const fieldOk = !r.fieldTypes || r.fieldTypes.includes(p.fieldType);
  if (!typeOk || !fieldOk) {
    out.push({
      ...base,
      kind: 'wrong_type',
      message: `${r.object} property "${r.name}" is ${p.type}/${p.fieldType}, expected ${r.types.join(' or ')}${r.fieldTypes ? `/${r.fieldTypes.join(' or ')}` : ''}`,
      fix: `point ${r.mappingPath} at a property of the expected type, or recreate "${r.name}" with that type`,
    });
  }
  if (r.write && (p.readOnlyValue || p.calculated)) {
    out.push({
      ...base,
      kind: 'read_only',
      message: `${r.object} property "${r.name}" is read-only (${p.calculated ? 'calculated' : 'HubSpot-maintained'}) but the connector writes it`,
      fix: `map ${r.mappingPath} to a writable custom property (tossup setup hubspot creates one)`,
    });
  }
  if (r.options && typeOk) {
    const have = new Set(p.options.filter((o) => !o.hidden).map((o) => o.value));
    const missing = r.options.filter((o) => !have.has(o.value));
    if (missing.length > 0) {
      out.push({
        ...base,
        kind: 'missing_options',
        message: `${r.object} property "${r.name}" lacks the option value(s) ${missing.map((o) => `"${o.value}"`).join(', ')} (it has: ${[...have].join(', ') || 'none'})`,
        fix: r.write
          ? `add the options ${missing.map((o) => `${o.value} (${o.label})`).join(', ')} in HubSpot, or change the values in ${r.optionsPath ?? `${r.mappingPath}Options`} of mappings/hubspot.yaml to the portal's`
          : r.create
            ? `add the options ${missing.map((o) => `${o.value} (${o.label})`).join(', ')} to "${r.name}" in HubSpot (the connector reads exactly these values)`
            : `make ${r.mappingPath}'s values in mappings/hubspot.yaml match the portal's option values`,
      });
    }
  }
  if (r.unique && !p.hasUniqueValue) {
    out.push({
      ...base,
      kind: 'not_unique',
      message: `${r.object} property "${r.name}" does not require unique values, so a retried task could be created twice`,
      fix: `create a new single-line text task property with "Require unique values" and point ${r.mappingPath} at it (an existing property cannot be made unique once it holds values)`,
    });
  }
  return out;
}

/** Lines for a terminal, one problem per block, most important first. */
export function formatSchemaCheck(result: SchemaCheckResult): string {
  if (result.ok) return `HubSpot schema OK: ${result.checked} mapped properties checked.`;
  const order: SchemaProblemKind[] = ['missing', 'wrong_type', 'read_only', 'not_unique', 'missing_options'];
  const sorted = [...result.problems].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return [
    `HubSpot schema: ${result.problems.length} problem(s) in ${result.checked} mapped properties`,
    ...sorted.map((p) => `- [${p.kind}] ${p.message} (mapping: ${p.mappingPath})\n  fix: ${p.fix}`),
  ].join('\n');
}
