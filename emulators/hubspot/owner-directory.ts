/**
 * Portal owners (`/crm/v3/owners`). An owner id is what `hubspot_owner_id` holds; it is a different
 * number from the owner's user id, and writing a user id into an owner property is refused.
 */

export interface HubspotTeam {
  id: string;
  name: string;
  primary: boolean;
}

export interface HubspotOwner {
  id: string;
  email: string;
  type: 'PERSON' | 'QUEUE';
  firstName: string;
  lastName: string;
  /** `null` once the user is deactivated; `userIdIncludingInactive` keeps the number. */
  userId: number | null;
  userIdIncludingInactive: number;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  teams: HubspotTeam[];
}

export interface OwnerInput {
  email: string;
  firstName: string;
  lastName: string;
  active?: boolean;
  teams?: HubspotTeam[];
  /** Fixed ids for reproducible fixtures; generated otherwise. */
  id?: string;
  userId?: number;
  /** Defaults to the emulator clock's now. */
  createdAt?: number;
}

const FIRST_OWNER_ID = 71_000_001;
const FIRST_USER_ID = 9_100_001;

export class OwnerDirectory {
  private readonly owners = new Map<string, HubspotOwner>();
  private nextOwner = FIRST_OWNER_ID;
  private nextUser = FIRST_USER_ID;
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  add(input: OwnerInput): HubspotOwner {
    const id = input.id ?? String(this.nextOwner++);
    if (this.owners.has(id))
      throw new Error(`Owner id ${id} already exists; pick another id for ${input.email}.`);
    const userId = input.userId ?? this.nextUser++;
    const active = input.active ?? true;
    const at = input.createdAt ?? this.now();
    const owner: HubspotOwner = {
      id,
      email: input.email.toLowerCase(),
      type: 'PERSON',
      firstName: input.firstName,
      lastName: input.lastName,
      userId: active ? userId : null,
      userIdIncludingInactive: userId,
      createdAt: at,
      updatedAt: at,
      archived: !active,
      teams: input.teams ?? [],
    };
    this.owners.set(id, owner);
    return owner;
  }

  get(id: string): HubspotOwner | undefined {
    return this.owners.get(id);
  }

  /** Archived (deactivated) owners still count: records may keep pointing at them. */
  exists(id: string): boolean {
    return this.owners.has(id);
  }

  list(archived: boolean): HubspotOwner[] {
    return [...this.owners.values()].filter((o) => o.archived === archived);
  }

  toJson(o: HubspotOwner): Record<string, unknown> {
    return {
      id: o.id,
      email: o.email,
      type: o.type,
      firstName: o.firstName,
      lastName: o.lastName,
      ...(o.userId === null ? {} : { userId: o.userId }),
      userIdIncludingInactive: o.userIdIncludingInactive,
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
      archived: o.archived,
      teams: o.teams,
    };
  }
}
