import type { WorldUser } from '../world/world.ts';

/**
 * `User.ManagerId` for a world's sales organisation. The world has no org chart, so each team
 * (users of one role in one territory) is led by its first member by key, and the other members
 * report to that lead; a one-person team and the leads themselves have no manager, as in orgs where
 * the hierarchy stops at the team lead.
 */
export function teamManagerKeys(users: readonly WorldUser[]): Map<string, string> {
  const teams = new Map<string, WorldUser[]>();
  for (const u of [...users].sort((a, b) => a.key.localeCompare(b.key))) {
    const team = `${u.role}/${u.territory}`;
    const members = teams.get(team) ?? [];
    members.push(u);
    teams.set(team, members);
  }
  const managers = new Map<string, string>();
  for (const members of teams.values()) {
    // A departed user cannot lead: the first active member does.
    const lead = members.find((m) => m.active);
    if (!lead) continue;
    for (const m of members) if (m !== lead) managers.set(m.key, lead.key);
  }
  return managers;
}
