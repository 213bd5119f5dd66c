import { stringify } from 'yaml';
import type { World } from './world/world.ts';

/**
 * A `mappings/routing.yaml` for a generated world, so the demo and `tossup emulate` route leads to
 * the reps that actually exist in the seeded emulators: one field-sales pool per territory, an
 * inside-sales pool, and the IS/sales-planning queue, with each rep's Salesforce and HubSpot ids and
 * each pool's manager (who hears of overdue toss-ups).
 */
export function routingYamlForWorld(
  world: World,
  ids: {
    salesforceUsers: ReadonlyMap<string, string>;
    salesforceQueues: ReadonlyMap<string, string>;
    hubspotOwners: ReadonlyMap<string, string>;
  },
): string {
  const users = world.users.filter((u) => ids.salesforceUsers.has(u.key) && ids.hubspotOwners.has(u.key));
  const planner = users.find((u) => u.role === 'sales_planning' && u.active) ?? users.find((u) => u.active);
  if (!planner) throw new Error('the world has no active user to own the IS/sales-planning queue');
  const queue = world.queues[0];
  const queueSfId = queue ? ids.salesforceQueues.get(queue.key) : undefined;
  if (!queueSfId) throw new Error('the Salesforce emulator has no IS/sales-planning queue');

  const byRole = (role: string, territory?: string) =>
    users.filter(
      (u) => u.role === role && u.active && (territory === undefined || u.territory === territory),
    );
  // The team's manager as the world records it (the members' shared manager), when routing lists them.
  const listed = new Set(users.map((u) => u.key));
  const managerOf = (members: readonly { managerKey?: string }[]) => {
    const m = members[0]?.managerKey;
    return m !== undefined && listed.has(m) && members.every((u) => u.managerKey === m) ? { manager: m } : {};
  };
  const territories = [...new Set(world.users.map((u) => u.territory))].sort();
  const pools = territories
    .map((t) => ({ id: `fs_${t}`, name: `Field sales ${t}`, members: byRole('field_sales', t) }))
    .filter((p) => p.members.length > 0);
  const anyField = byRole('field_sales');
  const inside = byRole('inside_sales');

  const doc = {
    version: 1,
    timeZone: 'Asia/Tokyo',
    defaults: { dailyCapacity: 40 },
    territories: {
      kanto: ['東京都', '神奈川県', '埼玉県', '千葉県', '茨城県', '栃木県', '群馬県'],
      kansai: ['大阪府', '京都府', '兵庫県', '奈良県', '滋賀県', '和歌山県'],
      chubu: [
        '愛知県',
        '静岡県',
        '岐阜県',
        '三重県',
        '新潟県',
        '富山県',
        '石川県',
        '福井県',
        '長野県',
        '山梨県',
      ],
      kyushu: ['福岡県', '佐賀県', '長崎県', '熊本県', '大分県', '宮崎県', '鹿児島県', '沖縄県'],
      tohoku: ['青森県', '岩手県', '宮城県', '秋田県', '山形県', '福島県'],
    },
    defaultTerritory: 'other',
    segments: [
      { id: 'enterprise', minEmployees: 1000 },
      { id: 'mid', minEmployees: 100, maxEmployees: 999 },
      { id: 'smb', minEmployees: 0, maxEmployees: 99 },
    ],
    reps: users.map((u) => ({
      key: u.key,
      name: `${u.lastName} ${u.firstName}`,
      salesforceId: ids.salesforceUsers.get(u.key)!,
      hubspotOwnerId: ids.hubspotOwners.get(u.key)!,
      // For chat direct messages (Slack users.lookupByEmail); the vendor's reserved example.com domain.
      email: u.email,
      active: u.active,
    })),
    queues: [
      {
        key: 'is_sales_planning',
        name: 'IS/営業企画',
        salesforceId: queueSfId,
        hubspotOwnerId: ids.hubspotOwners.get(planner.key)!,
      },
      {
        key: 'sales_ops_overflow',
        name: '営業推進 (振り分け待ち)',
        salesforceId: queueSfId,
        hubspotOwnerId: ids.hubspotOwners.get(planner.key)!,
      },
    ],
    pools: [
      ...pools.map((p) => ({
        id: p.id,
        name: p.name,
        members: p.members.map((u) => ({ rep: u.key, weight: 1 })),
        ...managerOf(p.members),
      })),
      ...(anyField.length
        ? [
            {
              id: 'fs_all',
              name: 'Field sales (all regions)',
              members: anyField.map((u) => ({ rep: u.key, weight: 1 })),
              ...managerOf(anyField),
            },
          ]
        : []),
      ...(inside.length
        ? [
            {
              id: 'inside_sales',
              name: 'Inside sales',
              members: inside.map((u) => ({ rep: u.key, weight: 1 })),
              ...managerOf(inside),
              overflow: { queue: 'is_sales_planning' },
            },
          ]
        : []),
    ],
    // Owners in no managed pool (account owners, the queue) escalate to the world's most common manager.
    ...topManager(users, listed),
    rules: [
      {
        id: 'strategic-review',
        when: { nextAction: 'notify_is_sales_planning' },
        queue: 'is_sales_planning',
      },
      ...(inside.length
        ? [{ id: 'inside-sales', when: { nextAction: 'inside_sales_*' }, pool: 'inside_sales' }]
        : []),
      ...pools.map((p) => ({
        id: `${p.id.replace(/_/g, '-')}`,
        when: { nextAction: 'field_sales_tossup', territory: p.id.slice(3) },
        pool: p.id,
      })),
      ...(anyField.length
        ? [{ id: 'fs-any', when: { nextAction: 'field_sales_tossup' }, pool: 'fs_all' }]
        : []),
    ],
    overflow: { queue: 'sales_ops_overflow' },
  };
  return `# Generated for the emulators' sample world (seed ${world.seed}); not for a real org.\n${stringify(doc)}`;
}

/** The manager most users report to, when routing lists them: the file-level `manager`. */
function topManager(
  users: readonly { managerKey?: string }[],
  listed: ReadonlySet<string>,
): { manager?: string } {
  const counts = new Map<string, number>();
  for (const u of users)
    if (u.managerKey !== undefined) counts.set(u.managerKey, (counts.get(u.managerKey) ?? 0) + 1);
  const best = [...counts]
    .filter(([k]) => listed.has(k))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return best ? { manager: best[0] } : {};
}
