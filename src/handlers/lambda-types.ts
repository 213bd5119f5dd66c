/**
 * The parts of the Lambda event and context shapes the handlers read (as delivered by the SQS event
 * source mapping, EventBridge Scheduler/rules and API Gateway HTTP API payload 2.0), written out
 * here instead of depending on @types/aws-lambda.
 */

export interface LambdaContext {
  awsRequestId: string;
  functionName: string;
  getRemainingTimeInMillis(): number;
}

export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId?: string;
    ApproximateFirstReceiveTimestamp?: string;
  };
  messageAttributes: Record<string, { stringValue?: string; dataType: string }>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** With `ReportBatchItemFailures`, only these messages return to the queue. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** An EventBridge scheduled event, or a manual invocation with options (dry run). */
export interface ScheduledEvent {
  source?: string;
  'detail-type'?: string;
  time?: string;
  /** Manual runs only: plan without writing, and stop after about `limit` leads. */
  dryRun?: boolean;
  limit?: number;
}

export interface HttpApiEvent {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded: boolean;
  requestContext: {
    domainName: string;
    http: { method: string; path: string; sourceIp?: string };
    requestId: string;
    timeEpoch: number;
  };
}

export interface HttpApiResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
}
