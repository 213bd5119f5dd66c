import type { HubspotFailure, PropertyIssue } from './classify-error.ts';
import { HubspotHttpError } from './client.ts';

/**
 * HubSpot validates a whole batch before writing any of it: one invalid value among 100 inputs
 * answers 400 and nothing is written (only per-record problems found while applying, like a
 * deleted id, come back as a 207). This isolates the bad input(s) and sends the others again, so
 * one bad record never costs the other 99:
 *
 * 1. the 400 names the property (and usually quotes the value): the inputs carrying that value
 *    are the suspects; the rest go again as one batch, each suspect alone;
 * 2. when the answer names nothing usable, the batch is halved until the bad input stands alone.
 *
 * One bad record in 100 costs 2 extra calls with a usable answer, about 2·log2(100) without.
 */

export interface SplitItem {
  key: string;
  properties: Readonly<Record<string, string>>;
}

export interface SplitOptions<I extends SplitItem, R> {
  /** Sends one batch; throws `HubspotHttpError` when HubSpot refuses it as a whole. */
  send: (items: I[]) => Promise<Map<string, R>>;
  /** Whether a whole-batch failure is about record values (then splitting can help). */
  isRecordRefusal: (failure: HubspotFailure) => boolean;
  /** The outcome of an input refused on its own. */
  refuse: (item: I, failure: HubspotFailure) => R;
}

export async function sendIsolatingBadInputs<I extends SplitItem, R>(
  items: I[],
  options: SplitOptions<I, R>,
): Promise<Map<string, R>> {
  try {
    return await options.send(items);
  } catch (e) {
    if (!(e instanceof HubspotHttpError) || !options.isRecordRefusal(e.failure)) throw e;
    if (items.length === 1) return new Map([[items[0]!.key, options.refuse(items[0]!, e.failure)]]);
    const suspects = suspectsOf(items, e.failure.propertyIssues ?? []);
    const parts: I[][] =
      suspects.size > 0 && suspects.size < items.length
        ? [items.filter((i) => !suspects.has(i)), ...[...suspects].map((s) => [s])]
        : [items.slice(0, items.length >> 1), items.slice(items.length >> 1)];
    const results = await Promise.all(parts.map((part) => sendIsolatingBadInputs(part, options)));
    return new Map(results.flatMap((m) => [...m]));
  }
}

/** Inputs that set a property the 400 names, narrowed to those whose value the message quotes. */
export function suspectsOf<I extends SplitItem>(
  items: readonly I[],
  issues: readonly PropertyIssue[],
): Set<I> {
  const out = new Set<I>();
  for (const issue of issues) {
    const withProperty = items.filter((i) => i.properties[issue.name] !== undefined);
    const quoted = withProperty.filter((i) => {
      const v = i.properties[issue.name]!;
      return v !== '' && issue.message.includes(v);
    });
    for (const i of quoted.length > 0 ? quoted : withProperty) out.add(i);
  }
  return out;
}
