// Lambda entry: built into dist/lambda/<function>/index.mjs. Module scope runs once per container.
import { syncFromEnv } from '../sync-wiring.ts';

export const handler = syncFromEnv(process.env, import.meta.url);
