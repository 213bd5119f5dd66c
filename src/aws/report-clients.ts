import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface ReportClients {
  athena: AthenaClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  secrets: SecretsManagerClient;
}

/**
 * The weekly report's SDK clients (its own module, so the CRM functions never load Athena or S3),
 * with the short timeouts of src/aws/clients.ts; Athena's calls get a longer request timeout.
 */
export function createReportClients(): ReportClients {
  const common = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 10_000 },
  } as const;
  return {
    athena: new AthenaClient({
      ...common,
      requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000 },
    }),
    s3: new S3Client(common),
    dynamodb: new DynamoDBClient(common),
    secrets: new SecretsManagerClient(common),
  };
}
