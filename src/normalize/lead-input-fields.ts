/**
 * The catalogue of lead input fields by path, and the flat names files may use for them.
 * CSV headers and top-level JSON keys go through {@link resolveInputField}: a dotted path
 * (`company.employees`, also `company.revenue_jpy`), a leaf's own name (`maBehaviourScore`) or a
 * common flat alias (`employees`, `title`, `behaviour_score`, `役職`). Matching ignores case,
 * width, spaces, `_` and `-`.
 */

export const INPUT_FIELD_PATHS = [
  'id',
  'objectType',
  'ownerId',
  'modifiedAt',
  'company.name',
  'company.employees',
  'company.revenueJpy',
  'company.industry',
  'company.region',
  'company.existingCustomer',
  'company.accountOwnerId',
  'company.strategicTarget',
  'person.title',
  'person.department',
  'person.email',
  'person.emailDomain',
  'activities',
  'maBehaviourScore',
  'hearing.heardAt',
  'hearing.budget',
  'hearing.decisionMaker',
  'hearing.decisionInvolved',
  'hearing.clearProblem',
  'hearing.timelineMonths',
  'hearing.notes',
  'history.previouslyLost',
  'history.lastTossUpAt',
  'manualRequest.requested',
  'manualRequest.requestedBy',
  'manualRequest.at',
  'current.flag',
  'current.reason',
  'current.nextAction',
  'current.attributeScore',
  'current.behaviourScore',
  'current.dueAt',
  'current.decisionKey',
] as const;
export type InputFieldPath = (typeof INPUT_FIELD_PATHS)[number];

/** Flat names people give columns, by the path they fill. Documented in docs/lead-model.md. */
export const INPUT_FIELD_ALIASES: Readonly<Partial<Record<InputFieldPath, readonly string[]>>> = {
  id: ['lead_id', 'record_id'],
  objectType: ['object_type'],
  ownerId: ['owner_id', 'owner'],
  modifiedAt: ['modified_at', 'updated_at', 'last_modified'],
  'company.name': ['company', 'company_name', 'account_name', '会社名', '企業名'],
  'company.employees': [
    'employees',
    'employee_count',
    'number_of_employees',
    'numberofemployees',
    'company_size',
    '従業員数',
  ],
  'company.revenueJpy': ['revenue', 'revenue_jpy', 'annual_revenue', 'annualrevenue', '売上高', '年商'],
  'company.industry': ['industry', '業種'],
  'company.region': ['region', 'state', 'prefecture', '地域', '都道府県'],
  'company.existingCustomer': ['existing_customer'],
  'company.accountOwnerId': ['account_owner_id'],
  'company.strategicTarget': ['strategic_target'],
  'person.title': ['title', 'job_title', 'jobtitle', '役職'],
  'person.department': ['department', '部署'],
  'person.email': ['email', 'e_mail', 'メールアドレス'],
  'person.emailDomain': ['email_domain'],
  maBehaviourScore: [
    'behaviour_score',
    'behavior_score',
    'ma_behaviour_score',
    'ma_behavior_score',
    'ma_score',
    'score',
  ],
  'hearing.heardAt': ['heard_at'],
  'hearing.budget': ['budget'],
  'hearing.decisionMaker': ['decision_maker'],
  'hearing.decisionInvolved': ['decision_involved'],
  'hearing.clearProblem': ['clear_problem'],
  'hearing.timelineMonths': ['timeline', 'timeline_months'],
  'hearing.notes': ['hearing_notes'],
  'history.previouslyLost': ['previously_lost'],
  'history.lastTossUpAt': ['last_tossup_at', 'last_toss_up_at'],
  'manualRequest.requested': ['manual_request'],
  'manualRequest.requestedBy': ['manual_request_by', 'requested_by'],
  'manualRequest.at': ['manual_request_at'],
};

function fieldKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/gu, '');
}

const BY_KEY: ReadonlyMap<string, InputFieldPath> = (() => {
  const map = new Map<string, InputFieldPath>();
  for (const path of INPUT_FIELD_PATHS) {
    map.set(fieldKey(path), path);
    if (!path.includes('.')) continue;
    // A section's own leaves are reachable by dotted path only; but `hearing.budget` also as
    // `hearing_budget`, the usual way to flatten.
    map.set(fieldKey(path.replace('.', '_')), path);
  }
  for (const [path, aliases] of Object.entries(INPUT_FIELD_ALIASES) as [
    InputFieldPath,
    readonly string[],
  ][]) {
    for (const alias of aliases) map.set(fieldKey(alias), path);
  }
  return map;
})();

/** The input path a column or flat key fills, or `null` when it is not a lead field. */
export function resolveInputField(name: string): InputFieldPath | null {
  // Every lead of a file repeats the same keys: remember them (bounded, names are few).
  const known = RESOLVED.get(name);
  if (known !== undefined) return known;
  const path = BY_KEY.get(fieldKey(name)) ?? null;
  if (RESOLVED.size < 1000) RESOLVED.set(name, path);
  return path;
}

const RESOLVED = new Map<string, InputFieldPath | null>();

const SECTION_NAMES: ReadonlySet<string> = new Set([
  'company',
  'person',
  'hearing',
  'history',
  'manualRequest',
  'current',
]);

/**
 * Columns (or top-level JSON keys) that fill no lead field and will be ignored, so a command can
 * warn about a misspelt header before scoring a whole file without it.
 */
export function unknownInputColumns(names: readonly string[]): string[] {
  return names.filter(
    (name) =>
      name.trim() !== '' &&
      !SECTION_NAMES.has(name) &&
      !COMPUTED.has(name) &&
      resolveInputField(name) === null,
  );
}

/** Lead fields the reader computes and never reads: present in re-fed normalized leads, not typos. */
const COMPUTED: ReadonlySet<string> = new Set(['crm', 'dataIssues', 'person.titleRank', 'titleRank']);

const LEAVES_BY_SECTION: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const map = new Map<string, Set<string>>();
  for (const path of INPUT_FIELD_PATHS) {
    const [head, leaf] = path.split('.') as [string, string | undefined];
    if (leaf === undefined) continue;
    if (!map.has(head)) map.set(head, new Set());
    map.get(head)!.add(leaf);
  }
  return map;
})();

/**
 * Keys of one JSON lead that fill no lead field: top-level keys as {@link unknownInputColumns},
 * and keys inside the sections (`company.employes`). Activity items and `hearing` extras are
 * checked the same way as sections; values are not looked at.
 */
export function unknownInputKeys(input: Readonly<Record<string, unknown>>): string[] {
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(input)) {
    const leaves = LEAVES_BY_SECTION.get(key);
    if (leaves) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      for (const leaf of Object.keys(value))
        if (!leaves.has(leaf) && !COMPUTED.has(`${key}.${leaf}`)) unknown.push(`${key}.${leaf}`);
      continue;
    }
    if (key.trim() !== '' && !COMPUTED.has(key) && resolveInputField(key) === null) unknown.push(key);
  }
  return unknown;
}
