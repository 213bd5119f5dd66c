import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  secrets: SecretsManagerClient;
}

/**
 * SDK clients, built once per container (module scope in the Lambda entries) and reused by every
 * invocation. Region and credentials come from the Lambda environment; `AWS_ENDPOINT_URL_<SERVICE>`
 * (read by the SDK itself) points them at local stand-ins in tests. Timeouts are short so a hung
 * connection fails a call well inside the function timeout instead of eating it.
 */
export function createAwsClients(): AwsClients {
  const common = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  } as const;
  return {
    dynamodb: new DynamoDBClient(common),
    sqs: new SQSClient(common),
    secrets: new SecretsManagerClient(common),
  };
}
