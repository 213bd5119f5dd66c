import type { CrmObjectType, PropertyCreateInput, PropertyInfo } from './client.ts';
import { HubspotHttpError } from './client.ts';
import type { HubspotMapping } from './mapping.ts';
import { requiredProperties } from './required-properties.ts';
import { checkHubspotSchema, type SchemaCheckResult } from './schema-check.ts';

/**
 * `tossup setup hubspot`: creates the connector's property group and its own properties (the
 * toss-up fields on contacts, the unique task key on tasks) where missing, through the properties
 * API. Idempotent: existing ones are left alone, and a 409 (created meanwhile, e.g. by a parallel
 * setup) counts as "already there". The customer's own input properties (hearing, MA score, ...)
 * are never created — they hold the customer's data; problems with them are reported.
 */

export interface SetupAdmin {
  listProperties(type: CrmObjectType): Promise<PropertyInfo[]>;
  listPropertyGroups(type: CrmObjectType): Promise<string[]>;
  createPropertyGroup(type: CrmObjectType, group: { name: string; label: string }): Promise<void>;
  createProperty(type: CrmObjectType, def: PropertyCreateInput): Promise<PropertyInfo>;
}

export interface SetupAction {
  object: CrmObjectType;
  /** `group` or `property`. */
  what: 'group' | 'property';
  name: string;
  result: 'created' | 'exists';
}

export interface SetupResult {
  actions: SetupAction[];
  /** The schema check after setup: what still needs a human (wrong types, missing options, inputs). */
  check: SchemaCheckResult;
}

export async function setupHubspot(admin: SetupAdmin, mapping: HubspotMapping): Promise<SetupResult> {
  const actions: SetupAction[] = [];
  const owned = requiredProperties(mapping).filter((r) => r.create);
  const group = mapping.writeBack.group;
  const objects = [...new Set(owned.map((r) => r.object))];
  for (const object of objects) {
    const groups = await admin.listPropertyGroups(object);
    if (groups.includes(group.name)) {
      actions.push({ object, what: 'group', name: group.name, result: 'exists' });
    } else {
      actions.push({
        object,
        what: 'group',
        name: group.name,
        result: await ifAbsent(() => admin.createPropertyGroup(object, group)),
      });
    }
    const existing = new Set((await admin.listProperties(object)).map((p) => p.name));
    for (const r of owned.filter((x) => x.object === object)) {
      if (existing.has(r.name)) {
        actions.push({ object, what: 'property', name: r.name, result: 'exists' });
        continue;
      }
      const result = await ifAbsent(async () => {
        await admin.createProperty(object, r.create!);
      });
      existing.add(r.name);
      actions.push({ object, what: 'property', name: r.name, result });
    }
  }
  return { actions, check: await checkHubspotSchema(admin, mapping) };
}

async function ifAbsent(create: () => Promise<void>): Promise<'created' | 'exists'> {
  try {
    await create();
    return 'created';
  } catch (e) {
    if (e instanceof HubspotHttpError && e.failure.status === 409) return 'exists';
    throw e;
  }
}

export function formatSetup(result: SetupResult): string {
  const lines = result.actions.map(
    (a) => `- ${a.object} ${a.what} "${a.name}": ${a.result === 'created' ? 'created' : 'already there'}`,
  );
  const created = result.actions.filter((a) => a.result === 'created').length;
  return [
    `HubSpot setup: ${created} created, ${result.actions.length - created} already there`,
    ...lines,
    result.check.ok
      ? 'Schema check: OK'
      : `Still to fix by hand:\n${result.check.problems.map((p) => `- [${p.kind}] ${p.message}\n  fix: ${p.fix}`).join('\n')}`,
  ].join('\n');
}
