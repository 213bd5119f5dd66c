/**
 * Tells "the request never left" from "the request may have arrived". Only the first may be retried
 * without risking a second chat message for the same episode step.
 */
export class MaybeSentError extends Error {
  override name = 'MaybeSentError';
}

/** Connection errors raised before any byte of the request reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export function wasNotSent(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_SENT_CODES.has(code)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/** A fetch that rethrows any failure after the request may have been sent as a `MaybeSentError`. */
export function taggingFetch(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (e) {
      if (wasNotSent(e)) throw e;
      const kind = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'failed in flight';
      throw new MaybeSentError(`request ${kind}`, { cause: e });
    }
  };
}
