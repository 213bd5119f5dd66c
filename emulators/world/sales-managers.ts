import type { WorldUser } from './world.ts';

/**
 * Who manages whom in the vendor's sales organisation: the first active sales-planning user (the
 * sales head; else the first active user) manages every other user and has no manager. Derived from
 * the roster alone, with no random draws, so adding it changed no other record of a world.
 */
export function assignManagers(users: readonly WorldUser[]): WorldUser[] {
  const head = users.find((u) => u.active && u.role === 'sales_planning') ?? users.find((u) => u.active);
  if (!head) return [...users];
  return users.map((u) => (u.key === head.key ? u : { ...u, managerKey: head.key }));
}
