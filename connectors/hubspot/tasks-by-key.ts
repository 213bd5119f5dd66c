import type { HubspotClient } from './client.ts';
import { chunks } from './company-facts.ts';
import type { RequestRunner } from './request-runner.ts';

/**
 * Task ids by the value of the task key property, through search (100 keys per call, sequentially).
 * Shared by the sink (a conflict on create names no id) and the SLA sweep (episodes without a task id).
 */
export async function findTasksByKey(
  o: { client: HubspotClient; runner: RequestRunner },
  keyProperty: string,
  keys: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks(keys, 100)) {
    const page = await o.runner.run(
      { endpoint: 'tasks.search', what: 'task search by key', kind: 'search', safeToRepeat: true },
      () =>
        o.client.search('tasks', {
          filterGroups: [{ filters: [{ propertyName: keyProperty, operator: 'IN', values: chunk }] }],
          sorts: [],
          properties: [keyProperty],
          limit: 200,
        }),
    );
    for (const r of page.results) {
      const key = r.properties[keyProperty];
      if (key) out.set(key, r.id);
    }
  }
  return out;
}
