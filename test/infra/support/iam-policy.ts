/**
 * A small IAM evaluator for the identity policies of the packaged CloudFormation template: enough to
 * ask "may this role do that action on that resource?" for the statements the stack writes (Allow
 * statements with actions, resource ARNs with `*`/`?` wildcards, and `ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys`). There is no Deny in the roles, so a request is refused exactly when no
 * Allow matches. A condition it does not know counts as met, so an unknown condition can only make
 * it allow more, never hide an allow from a negative test.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation template JSON
type Json = any;

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamRequest {
  action: string;
  resource: string;
  /** The partition keys a DynamoDB request touches. */
  leadingKeys?: string[];
}

export const REGION = 'ap-northeast-1';
export const ACCOUNT = '123456789012';

/** A resource's ARN as CloudFormation would give it, with the logical id standing in for the name. */
export function arnOf(template: Json, logicalId: string): string {
  const r = template.Resources[logicalId];
  if (!r) throw new Error(`no resource ${logicalId}`);
  switch (r.Type) {
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${logicalId}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logicalId}`;
    case 'AWS::KinesisFirehose::DeliveryStream':
      return `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${logicalId}`;
    case 'AWS::Athena::WorkGroup':
      return `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${logicalId}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${r.Properties.LogGroupName}:*`;
    default:
      throw new Error(`no ARN rule for ${r.Type} (${logicalId})`);
  }
}

export function secretArn(name: string, suffix = 'AbC123'): string {
  return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`;
}

/** A statement's resources as ARN patterns (intrinsic functions resolved). */
function resources(template: Json, value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => resources(template, v));
  if (typeof value === 'string') return [value];
  if (value['Fn::GetAtt']) {
    const [id, attr] = value['Fn::GetAtt'] as [string, string];
    if (attr !== 'Arn') throw new Error(`unexpected attribute ${attr}`);
    return [arnOf(template, id)];
  }
  if (value['Fn::Sub'] !== undefined) {
    const text = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
    return [
      (text as string).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws',
          'AWS::Region': REGION,
          'AWS::AccountId': ACCOUNT,
        };
        if (pseudo[name]) return pseudo[name];
        const [id, attr] = name.split('.');
        if (attr === 'Arn') return arnOf(template, id!);
        // `${LogicalId}`: a Ref (a name); the logical id stands in for it.
        if (attr === undefined && template.Resources[id!]) return id!;
        throw new Error(`cannot resolve \${${name}}`);
      }),
    ];
  }
  throw new Error(`cannot resolve resource ${JSON.stringify(value)}`);
}

/** IAM wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcard(pattern: string, value: string, caseInsensitive = false): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, caseInsensitive ? 'i' : '').test(value);
}

function conditionMet(condition: Statement['Condition'], req: IamRequest): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, raw] of Object.entries(entries)) {
      const patterns = [raw].flat();
      if (operator === 'ForAllValues:StringLike' && key === 'dynamodb:LeadingKeys') {
        // Every key of the request must match one of the patterns.
        const keys = req.leadingKeys ?? [];
        if (!keys.every((k) => patterns.some((p) => wildcard(p, k)))) return false;
      }
      // Any other condition: treated as met (see the module comment).
    }
  }
  return true;
}

/** The role's Allow statements (inline policies), with their resources resolved. */
export function roleStatements(template: Json, roleId: string): (Statement & { arns: string[] })[] {
  const role = template.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${roleId}`);
  if (role.Properties.ManagedPolicyArns?.length) throw new Error(`${roleId} has managed policies`);
  return (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[])
    .flatMap((p) => p.PolicyDocument.Statement)
    .map((s) => ({ ...s, arns: resources(template, s.Resource) }));
}

export function allows(statements: ReturnType<typeof roleStatements>, req: IamRequest): boolean {
  if (statements.some((s) => s.Effect !== 'Allow')) throw new Error('Deny statements are not modelled');
  return statements.some(
    (s) =>
      [s.Action].flat().some((a) => wildcard(a, req.action, true)) &&
      s.arns.some((arn) => wildcard(arn, req.resource)) &&
      conditionMet(s.Condition, req),
  );
}
