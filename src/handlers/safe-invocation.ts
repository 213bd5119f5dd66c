import type { Logger } from '../logging/logger.ts';
import { serializeError } from '../logging/serialize-error.ts';
import type { LambdaContext } from './lambda-types.ts';

/**
 * What the Lambda runtime sees when an invocation fails. The runtime prints a thrown error's message
 * and stack to the function's log as they are, so the original error (whose message or cause may
 * quote a request) is logged through our logger and replaced by this one: type, kind and code and a
 * scrubbed message, nothing else.
 */
export class InvocationFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvocationFailedError';
  }
}

export function safeInvocation<E, R>(
  log: Logger,
  what: string,
  fn: (event: E, context: LambdaContext) => Promise<R>,
): (event: E, context: LambdaContext) => Promise<R> {
  return async (event, context) => {
    try {
      return await fn(event, context);
    } catch (e) {
      const s = serializeError(e);
      log.child({ runId: context.awsRequestId }).error({ err: e }, `${what} failed`);
      const tag = [s.type, s.kind, s.code].filter(Boolean).join('/');
      throw new InvocationFailedError(`${what} failed (${tag}): ${s.message}`);
    }
  };
}
