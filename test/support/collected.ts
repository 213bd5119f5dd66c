import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Whether nothing holds `ref`'s target any more: a full collection (V8's `gc`, exposed at run time)
 * on a later turn of the event loop, since a WeakRef keeps its target to the end of the job that
 * made or read it. For tests that a step lets go of what it handled (a page of 10,000 leads).
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((r) => setImmediate(r));
  gc();
  await new Promise((r) => setImmediate(r));
  return ref.deref() === undefined;
}
