import type { ObjectType } from './object-types.ts';

/**
 * HubSpot-defined association types between the emulated objects. Ids come from the SDK's
 * `AssociationTypes` enum (1/2, 3/4, 5/6, 191-216) and HubSpot's unlabeled defaults (279/280,
 * 341/342). A pair with a primary flavour (contact→company, deal→company) always carries the
 * unlabeled type and, for the one primary target, the primary type as well, as HubSpot reports it.
 */
export interface AssociationPairDef {
  from: ObjectType;
  to: ObjectType;
  /** Type id every association of this pair carries. */
  unlabeledTypeId: number;
  /** v3 `type` name for the unlabeled id (`contact_to_company_unlabeled`). */
  unlabeledName: string;
  /** Present when the pair has a primary flavour. */
  primaryTypeId?: number;
  primaryName?: string;
}

const PAIRS: readonly AssociationPairDef[] = [
  {
    from: 'contacts',
    to: 'companies',
    unlabeledTypeId: 279,
    unlabeledName: 'contact_to_company_unlabeled',
    primaryTypeId: 1,
    primaryName: 'contact_to_company',
  },
  {
    from: 'companies',
    to: 'contacts',
    unlabeledTypeId: 280,
    unlabeledName: 'company_to_contact_unlabeled',
    primaryTypeId: 2,
    primaryName: 'company_to_contact',
  },
  { from: 'deals', to: 'contacts', unlabeledTypeId: 3, unlabeledName: 'deal_to_contact' },
  { from: 'contacts', to: 'deals', unlabeledTypeId: 4, unlabeledName: 'contact_to_deal' },
  {
    from: 'deals',
    to: 'companies',
    unlabeledTypeId: 341,
    unlabeledName: 'deal_to_company_unlabeled',
    primaryTypeId: 5,
    primaryName: 'deal_to_company',
  },
  {
    from: 'companies',
    to: 'deals',
    unlabeledTypeId: 342,
    unlabeledName: 'company_to_deal_unlabeled',
    primaryTypeId: 6,
    primaryName: 'company_to_deal',
  },
  { from: 'companies', to: 'tasks', unlabeledTypeId: 191, unlabeledName: 'company_to_task' },
  { from: 'tasks', to: 'companies', unlabeledTypeId: 192, unlabeledName: 'task_to_company' },
  { from: 'contacts', to: 'tasks', unlabeledTypeId: 203, unlabeledName: 'contact_to_task' },
  { from: 'tasks', to: 'contacts', unlabeledTypeId: 204, unlabeledName: 'task_to_contact' },
  { from: 'deals', to: 'tasks', unlabeledTypeId: 215, unlabeledName: 'deal_to_task' },
  { from: 'tasks', to: 'deals', unlabeledTypeId: 216, unlabeledName: 'task_to_deal' },
  // Engagements (SDK AssociationTypes: contactToCall 193 … meetingToDeal 212).
  ...engagementPairs('contacts', 'contact', [
    ['calls', 'call', 193, 194],
    ['emails', 'email', 197, 198],
    ['meetings', 'meeting', 199, 200],
  ]),
  ...engagementPairs('companies', 'company', [
    ['calls', 'call', 181, 182],
    ['emails', 'email', 185, 186],
    ['meetings', 'meeting', 187, 188],
  ]),
  ...engagementPairs('deals', 'deal', [
    ['calls', 'call', 205, 206],
    ['emails', 'email', 209, 210],
    ['meetings', 'meeting', 211, 212],
  ]),
];

/** Both directions of record↔engagement pairs: `[type, singular, recordToEngagementId, engagementToRecordId]`. */
function engagementPairs(
  record: ObjectType,
  recordName: string,
  engagements: ReadonlyArray<readonly [ObjectType, string, number, number]>,
): AssociationPairDef[] {
  return engagements.flatMap(([type, name, toId, backId]) => [
    { from: record, to: type, unlabeledTypeId: toId, unlabeledName: `${recordName}_to_${name}` },
    { from: type, to: record, unlabeledTypeId: backId, unlabeledName: `${name}_to_${recordName}` },
  ]);
}

const BY_PAIR = new Map(PAIRS.map((p) => [`${p.from}>${p.to}`, p]));

export function associationPair(from: ObjectType, to: ObjectType): AssociationPairDef | undefined {
  return BY_PAIR.get(`${from}>${to}`);
}

/** What a HUBSPOT_DEFINED type id written *from* `from` means: target type and whether it is primary. */
export function resolveAssociationTypeId(
  from: ObjectType,
  typeId: number,
): { to: ObjectType; primary: boolean } | undefined {
  for (const p of PAIRS) {
    if (p.from !== from) continue;
    if (p.unlabeledTypeId === typeId) return { to: p.to, primary: false };
    if (p.primaryTypeId === typeId) return { to: p.to, primary: true };
  }
  return undefined;
}

/** v4 `associationTypes` for one association, primary first as HubSpot lists it. */
export function v4AssociationTypes(
  pair: AssociationPairDef,
  primary: boolean,
): Array<{ category: 'HUBSPOT_DEFINED'; typeId: number; label: string | null }> {
  const out: Array<{ category: 'HUBSPOT_DEFINED'; typeId: number; label: string | null }> = [];
  if (primary && pair.primaryTypeId !== undefined) {
    out.push({ category: 'HUBSPOT_DEFINED', typeId: pair.primaryTypeId, label: 'Primary' });
  }
  out.push({ category: 'HUBSPOT_DEFINED', typeId: pair.unlabeledTypeId, label: null });
  return out;
}

/** v3 `associations.<type>.results` entries for one association. */
export function v3AssociationEntries(
  pair: AssociationPairDef,
  toId: string,
  primary: boolean,
): Array<{ id: string; type: string }> {
  const out: Array<{ id: string; type: string }> = [];
  if (primary && pair.primaryName !== undefined) out.push({ id: toId, type: pair.primaryName });
  out.push({ id: toId, type: pair.unlabeledName });
  return out;
}
