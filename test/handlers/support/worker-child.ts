import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaContext, SqsEvent } from '../../../src/handlers/lambda-types.ts';
import { workerFromEnv } from '../../../src/handlers/wiring.ts';
import { fixedClock } from '../../../src/ports/clock.ts';
import { loopbackClientConfig } from '../../aws/loopback-aws.ts';

/**
 * One worker invocation in a process of its own, for tests that kill it (test/handlers/worker-crash.test.ts).
 * The function is built as deployed (workerFromEnv with the function's environment, which the parent
 * passes as this process's), its SDK clients pointed at the parent's loopback servers:
 * - CHILD_AWS_ENDPOINT: SQS, Secrets Manager and Firehose (test/aws/loopback-aws.ts);
 * - CHILD_DYNAMO_ENDPOINT: the state table (dynalite);
 * - CHILD_NOW: the clock, fixed, so the parent knows when the claims' leases end;
 * - CHILD_EVENT: a file holding the SQS event; CHILD_TIMEOUT_SECONDS: the function's timeout.
 * Logs go to stderr; stdout carries only the batch response, as JSON.
 */

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`worker-child: ${name} is not set`);
  return v;
};

const aws = need('CHILD_AWS_ENDPOINT');
const handler = workerFromEnv(process.env, import.meta.url, {
  clients: {
    dynamodb: new DynamoDBClient({ ...loopbackClientConfig(need('CHILD_DYNAMO_ENDPOINT')) }),
    sqs: new SQSClient(loopbackClientConfig(aws)),
    secrets: new SecretsManagerClient(loopbackClientConfig(aws)),
  },
  firehose: new FirehoseClient(loopbackClientConfig(aws)),
  clock: fixedClock(need('CHILD_NOW')),
  logger: { destination: process.stderr },
});
const event = JSON.parse(readFileSync(need('CHILD_EVENT'), 'utf8')) as SqsEvent;
const deadline = Date.now() + Number(need('CHILD_TIMEOUT_SECONDS')) * 1000;
const context: LambdaContext = {
  awsRequestId: randomUUID(),
  functionName: 'tossup-test-worker',
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
const response = await handler(event, context);
process.stdout.write(`${JSON.stringify(response)}\n`);
// The SDKs' keep-alive sockets would hold the process open.
process.exit(0);
