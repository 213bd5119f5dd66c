import {
  type AuthSettings,
  SalesforceCallError,
  SalesforceClient,
} from '../../../connectors/salesforce/client.ts';

/**
 * What the Salesforce connector's HTTP layer (jsforce → undici) does against one org: log in, one
 * query, one failing call. Run from source and from a bundle built with the Lambda build's plugins,
 * the two results must be equal (test/infra/lambda-trims.test.ts).
 */
export interface ProbeTarget {
  loginUrl: string;
  proxy: string | null;
  auth: AuthSettings;
}

export async function probeSalesforce(target: ProbeTarget): Promise<unknown> {
  let client: SalesforceClient;
  try {
    client = await SalesforceClient.connect({
      loginUrl: target.loginUrl,
      apiVersion: '62.0',
      auth: target.auth,
      requestTimeoutMs: 10_000,
      proxy: target.proxy,
      now: () => Date.now(),
    });
  } catch (e) {
    return { loginFailed: describeError(e) };
  }
  try {
    const query = await client.call<{ totalSize: number; done: boolean }>({
      method: 'GET',
      path: `/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`,
    });
    let missing: unknown = null;
    try {
      await client.call({ method: 'GET', path: '/sobjects/NoSuchObject__c/describe' });
    } catch (e) {
      missing = describeError(e);
    }
    return {
      query: { status: query.status, totalSize: query.body.totalSize, done: query.body.done },
      missing,
      counts: client.counts(),
    };
  } finally {
    client.close();
  }
}

function describeError(e: unknown): unknown {
  if (e instanceof SalesforceCallError) {
    // Ports differ between runs; the rest of the message must not.
    return { status: e.status, code: e.code, message: e.message.replace(/:\d{2,5}\b/g, ':<port>') };
  }
  return { unexpected: String(e) };
}
