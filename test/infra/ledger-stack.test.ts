import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeploySettings, loadDeploySettings } from '../../scripts/deploy-settings.ts';
import { type ColumnType, DECISION_COLUMNS, EVENT_COLUMNS } from '../../src/ledger/ledger-columns.ts';
import { ACCOUNT, allows, arnOf, REGION, roleStatements } from './support/iam-policy.ts';
import { packageTemplate, type Template } from './support/package-template.ts';

/**
 * The decision ledger's AWS side (infra/ledger.yml) as `osls package` renders it, offline: the S3
 * bucket and its lifecycle, the Glue tables (columns = src/ledger/ledger-columns.ts), the Firehose
 * streams converting to Parquet by date, the Athena workgroup, and least-privilege IAM around them.
 */
const settings = loadDeploySettings(resolve('infra', 'settings.yml'));
let work: string;
let shipped: Template;
let tuned: Template;
/** The weekly report enabled, on Sunday 23:00 UTC (Monday 08:00 JST). */
let reporting: Template;
const TUNED: DeploySettings['ledger'] = {
  transitionToIaDays: 45,
  expireDays: 400,
  bufferSeconds: 120,
  bytesScannedCutoff: 2_000_000_000,
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tossup-ledger-stack-'));
  shipped = packageTemplate(work, 'shipped', settings);
  tuned = packageTemplate(work, 'tuned', { ...structuredClone(settings), ledger: TUNED });
  reporting = packageTemplate(work, 'reporting', {
    ...structuredClone(settings),
    report: {
      ...settings.report,
      enabled: true,
      schedule: 'cron(0 23 ? * SUN *)',
      monthlySchedule: 'cron(0 23 L * ? *)',
    },
  });
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

const props = (t: Template, id: string) => {
  const r = t.Resources[id];
  if (!r) throw new Error(`the template has no resource ${id}`);
  return r.Properties;
};
const GLUE_TYPE: Record<ColumnType, string> = {
  string: 'string',
  boolean: 'boolean',
  double: 'double',
  integer: 'int',
  string_array: 'array<string>',
};
const TABLES = [
  {
    id: 'LedgerDecisionsTable',
    stream: 'LedgerDecisionsStream',
    name: 'ledger_decisions',
    folder: 'decisions',
    columns: DECISION_COLUMNS,
  },
  {
    id: 'LedgerEventsTable',
    stream: 'LedgerEventsStream',
    name: 'ledger_events',
    folder: 'events',
    columns: EVENT_COLUMNS,
  },
] as const;

describe('the decision ledger on AWS (infra/ledger.yml, osls package)', () => {
  it('keeps the ledger in an encrypted, private bucket that outlives the stack and accepts TLS only', () => {
    const bucket = shipped.Resources.LedgerBucket!;
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const [deny] = props(shipped, 'LedgerBucketPolicy').PolicyDocument.Statement;
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('moves ledger files to Standard-IA, expires them, and aborts incomplete uploads, as the settings say', () => {
    const rules = (t: Template) =>
      Object.fromEntries(
        (props(t, 'LedgerBucket').LifecycleConfiguration.Rules as { Id: string }[]).map((r) => [r.Id, r]),
      );
    for (const [t, s] of [
      [shipped, settings.ledger],
      [tuned, TUNED],
    ] as const) {
      expect(rules(t).LedgerToInfrequentAccessThenExpire).toEqual({
        Id: 'LedgerToInfrequentAccessThenExpire',
        Status: 'Enabled',
        Prefix: 'ledger/',
        Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: s.transitionToIaDays }],
        ExpirationInDays: s.expireDays,
      });
      expect(rules(t).AbortIncompleteUploads).toMatchObject({
        Prefix: '',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      });
      expect(rules(t).QueryResultsExpire).toMatchObject({ Prefix: 'athena-results/', ExpirationInDays: 7 });
    }
  });

  for (const table of TABLES) {
    it(`${table.name}: the Glue table has exactly the columns of ledger-columns.ts, partitioned by dt with projection`, () => {
      const input = props(shipped, table.id).TableInput;
      expect(input.Name).toBe(table.name);
      expect(input.StorageDescriptor.Columns).toEqual(
        Object.entries(table.columns)
          .filter(([name]) => name !== 'dt')
          .map(([Name, type]) => ({ Name, Type: GLUE_TYPE[type] })),
      );
      expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string' }]);
      expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/ParquetHiveSerDe$/);
      expect(input.StorageDescriptor.Location).toEqual({
        'Fn::Sub': `s3://\${LedgerBucket}/ledger/${table.folder}/`,
      });
      expect(input.Parameters).toMatchObject({
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'storage.location.template': {
          'Fn::Sub': `s3://\${LedgerBucket}/ledger/${table.folder}/dt=\${!dt}/`,
        },
      });
    });

    it(`${table.name}: a Firehose stream writes its rows as Parquet (the table's schema) under dt= of the row's own date`, () => {
      const dest = props(shipped, table.stream).ExtendedS3DestinationConfiguration;
      expect(dest.BucketARN).toEqual({ 'Fn::GetAtt': ['LedgerBucket', 'Arn'] });
      expect(dest.RoleARN).toEqual({ 'Fn::GetAtt': ['LedgerFirehoseRole', 'Arn'] });
      expect(dest.Prefix).toBe(`ledger/${table.folder}/dt=!{partitionKeyFromQuery:dt}/`);
      expect(dest.ErrorOutputPrefix).toMatch(new RegExp(`^ledger-errors/${table.folder}/`));
      expect(dest.DynamicPartitioningConfiguration.Enabled).toBe(true);
      // The worker packs rows into records (src/aws/firehose-ledger.ts): split first, then partition.
      expect(dest.ProcessingConfiguration.Processors.map((p: { Type: string }) => p.Type)).toEqual([
        'RecordDeAggregation',
        'MetadataExtraction',
      ]);
      expect(dest.ProcessingConfiguration.Processors[0].Parameters).toEqual([
        { ParameterName: 'SubRecordType', ParameterValue: 'JSON' },
      ]);
      expect(dest.ProcessingConfiguration.Processors[1].Parameters).toContainEqual({
        ParameterName: 'MetadataExtractionQuery',
        ParameterValue: '{dt: .dt}',
      });
      expect(dest.DataFormatConversionConfiguration).toMatchObject({
        Enabled: true,
        InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: {} } },
        OutputFormatConfiguration: { Serializer: { ParquetSerDe: { Compression: 'SNAPPY' } } },
        SchemaConfiguration: {
          DatabaseName: { Ref: 'LedgerDatabase' },
          TableName: { Ref: table.id },
          VersionId: 'LATEST',
        },
      });
      expect(dest.CompressionFormat).toBe('UNCOMPRESSED');
      expect(dest.BufferingHints).toEqual({
        SizeInMBs: 64,
        IntervalInSeconds: settings.ledger.bufferSeconds,
      });
      expect(
        props(tuned, table.stream).ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds,
      ).toBe(TUNED.bufferSeconds);
      expect(props(shipped, table.stream).DeliveryStreamEncryptionConfigurationInput).toEqual({
        KeyType: 'AWS_OWNED_CMK',
      });
    });
  }

  it('the Athena workgroup enforces its result location in the bucket and the bytes-scanned cutoff', () => {
    for (const [t, s] of [
      [shipped, settings.ledger],
      [tuned, TUNED],
    ] as const) {
      expect(props(t, 'LedgerWorkGroup').WorkGroupConfiguration).toMatchObject({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: s.bytesScannedCutoff,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Sub': `s3://\${LedgerBucket}/athena-results/` },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      });
    }
    expect(props(shipped, 'LedgerWorkGroup').Name).toBe('tossup-test-ledger');
  });

  it('workers and sweeps are told the two streams, and may put records to those streams only', () => {
    const fns = ['WorkerSalesforce', 'SweepSalesforce', 'WorkerHubspot', 'SweepHubspot'];
    const other = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/other-app`;
    for (const fn of [...fns, 'SyncSalesforce', 'SyncHubspot', 'WebhookHubspot']) {
      const records = fns.includes(fn);
      const env = props(shipped, `${fn}LambdaFunction`).Environment.Variables;
      expect(env.TOSSUP_LEDGER_DECISIONS_STREAM, fn).toEqual(
        records ? { Ref: 'LedgerDecisionsStream' } : undefined,
      );
      expect(env.TOSSUP_LEDGER_EVENTS_STREAM, fn).toEqual(
        records ? { Ref: 'LedgerEventsStream' } : undefined,
      );
      const role = roleStatements(shipped, `${fn}Role`);
      for (const stream of ['LedgerDecisionsStream', 'LedgerEventsStream']) {
        const resource = arnOf(shipped, stream);
        expect(allows(role, { action: 'firehose:PutRecordBatch', resource }), fn).toBe(records);
        for (const action of [
          'firehose:PutRecord',
          'firehose:DeleteDeliveryStream',
          'firehose:UpdateDestination',
        ])
          expect(allows(role, { action, resource }), `${fn} ${action}`).toBe(false);
      }
      expect(allows(role, { action: 'firehose:PutRecordBatch', resource: other }), fn).toBe(false);
      // The ledger outbox on the state table: its `ledgerq|` partitions, for those that record.
      const table = arnOf(shipped, 'StateTable');
      for (const action of ['PutItem', 'UpdateItem', 'DeleteItem', 'Query'])
        expect(
          allows(role, {
            action: `dynamodb:${action}`,
            resource: table,
            leadingKeys: ['ledgerq|salesforce'],
          }),
          `${fn} ${action}`,
        ).toBe(records);
      expect(
        allows(role, { action: 'dynamodb:Scan', resource: table, leadingKeys: ['ledgerq|salesforce'] }),
      ).toBe(false);
      expect(
        allows(role, { action: 's3:GetObject', resource: `${arnOf(shipped, 'LedgerBucket')}/ledger/x` }),
      ).toBe(false);
    }
  });

  it("Firehose's role writes only the ledger's prefixes of its bucket and reads only the two tables' schema", () => {
    const trust = props(shipped, 'LedgerFirehoseRole').AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'firehose.amazonaws.com' },
        Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } },
      }),
    ]);
    const role = roleStatements(shipped, 'LedgerFirehoseRole');
    const bucket = arnOf(shipped, 'LedgerBucket');
    const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
    const cases: [string, string, boolean][] = [
      ['s3:PutObject', `${bucket}/ledger/decisions/dt=2026-12-01/part.parquet`, true],
      ['s3:PutObject', `${bucket}/ledger-errors/decisions/x`, true],
      ['s3:AbortMultipartUpload', `${bucket}/ledger/events/x`, true],
      ['s3:ListBucket', bucket, true],
      ['s3:PutObject', `${bucket}/reports/week.html`, false],
      ['s3:PutObject', `${bucket}/athena-results/x.csv`, false],
      ['s3:PutObject', 'arn:aws:s3:::another-bucket/ledger/x', false],
      ['s3:DeleteObject', `${bucket}/ledger/decisions/x`, false],
      ['s3:PutBucketPolicy', bucket, false],
      ['glue:GetTable', `${glue}:table/LedgerDatabase/LedgerDecisionsTable`, true],
      ['glue:GetTableVersions', `${glue}:table/LedgerDatabase/LedgerEventsTable`, true],
      ['glue:GetTable', `${glue}:table/LedgerDatabase/other`, false],
      ['glue:UpdateTable', `${glue}:table/LedgerDatabase/LedgerDecisionsTable`, false],
      ['glue:CreateTable', `${glue}:database/LedgerDatabase`, false],
      ['athena:StartQueryExecution', arnOf(shipped, 'LedgerWorkGroup'), false],
    ];
    expect(cases.filter(([action, resource, ok]) => allows(role, { action, resource }) !== ok)).toEqual([]);
  });
});

describe('the weekly and monthly report function (serverless.yml weeklyReport)', () => {
  it('runs its own bundle on the report schedule, off until enabled, one at a time, never retried by Lambda', () => {
    const fn = props(shipped, 'WeeklyReportLambdaFunction');
    expect(fn.Code.S3Key).toMatch(/\/report\.zip$/);
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(fn.Environment.Variables).toMatchObject({
      TOSSUP_LEDGER_BUCKET: { Ref: 'LedgerBucket' },
      TOSSUP_LEDGER_DATABASE: { Ref: 'LedgerDatabase' },
      TOSSUP_LEDGER_WORKGROUP: { Ref: 'LedgerWorkGroup' },
      TOSSUP_CHAT_SECRET_ID: 'tossup/test/chat',
      TOSSUP_REPORT_LOCALE: settings.report.locale,
    });
    const rule = (t: Template) =>
      Object.values(t.Resources).filter(
        (r) =>
          r.Type === 'AWS::Events::Rule' &&
          JSON.stringify(r.Properties.Targets).includes('WeeklyReportLambdaFunction'),
      );
    // Two schedules, both off until report.enabled: the week before, and (input period: month) the month before.
    const schedules = (t: Template) =>
      rule(t).map((r) => ({
        at: r.Properties.ScheduleExpression,
        state: r.Properties.State,
        input: (r.Properties.Targets as { Input?: string }[]).map((x) =>
          x.Input ? JSON.parse(x.Input) : null,
        ),
      }));
    expect(schedules(shipped)).toEqual([
      { at: 'cron(0 0 ? * MON *)', state: 'DISABLED', input: [null] },
      { at: 'cron(0 0 1 * ? *)', state: 'DISABLED', input: [{ period: 'month' }] },
    ]);
    expect(schedules(reporting)).toEqual([
      { at: 'cron(0 23 ? * SUN *)', state: 'ENABLED', input: [null] },
      { at: 'cron(0 23 L * ? *)', state: 'ENABLED', input: [{ period: 'month' }] },
    ]);
    expect(props(shipped, 'WeeklyReportLambdaEvConf')).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('may query the ledger in its workgroup, read the ledger, write reports and results, read the chat secret — nothing else', () => {
    const role = roleStatements(shipped, 'WeeklyReportRole');
    const bucket = arnOf(shipped, 'LedgerBucket');
    const workgroup = arnOf(shipped, 'LedgerWorkGroup');
    const glue = `arn:aws:glue:${REGION}:${ACCOUNT}`;
    const secret = (name: string) =>
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:tossup/test/${name}-AbC123`;
    const cases: [string, string, boolean][] = [
      ['athena:StartQueryExecution', workgroup, true],
      ['athena:GetQueryResults', workgroup, true],
      ['athena:StartQueryExecution', `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/primary`, false],
      ['athena:UpdateWorkGroup', workgroup, false],
      ['glue:GetTable', `${glue}:table/LedgerDatabase/LedgerEventsTable`, true],
      ['glue:GetTable', `${glue}:table/LedgerDatabase/other`, false],
      ['glue:DeleteTable', `${glue}:table/LedgerDatabase/LedgerEventsTable`, false],
      ['s3:GetObject', `${bucket}/ledger/decisions/dt=2026-11-24/x.parquet`, true],
      ['s3:PutObject', `${bucket}/ledger/decisions/dt=2026-11-24/x.parquet`, false],
      ['s3:DeleteObject', `${bucket}/ledger/decisions/dt=2026-11-24/x.parquet`, false],
      ['s3:PutObject', `${bucket}/athena-results/q.csv`, true],
      ['s3:PutObject', `${bucket}/reports/weekly/2026-W48.html`, true],
      ['s3:GetObject', `${bucket}/reports/weekly/2026-W48.html`, true],
      ['s3:GetObject', 'arn:aws:s3:::another-bucket/reports/x', false],
      ['s3:ListBucket', bucket, true],
      ['secretsmanager:GetSecretValue', secret('chat'), true],
      ['secretsmanager:GetSecretValue', secret('salesforce'), false],
      ['firehose:PutRecordBatch', arnOf(shipped, 'LedgerDecisionsStream'), false],
    ];
    expect(cases.filter(([action, resource, ok]) => allows(role, { action, resource }) !== ok)).toEqual([]);
    // The state table: only a query of the opportunity outcomes.
    const table = arnOf(shipped, 'StateTable');
    const ddb: [string, string, boolean][] = [
      ['dynamodb:Query', 'outcomes|salesforce', true],
      ['dynamodb:Query', 'episode|x', false],
      ['dynamodb:GetItem', 'outcomes|salesforce', false],
      ['dynamodb:PutItem', 'outcomes|salesforce', false],
      ['dynamodb:Scan', 'outcomes|salesforce', false],
    ];
    expect(
      ddb.filter(([action, key, ok]) => allows(role, { action, resource: table, leadingKeys: [key] }) !== ok),
    ).toEqual([]);
  });
});
