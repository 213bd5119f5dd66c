// Lambda entry: built into dist/lambda/<function>/index.mjs. Module scope runs once per container.
import { sweepFromEnv } from '../sweep-wiring.ts';

export const handler = sweepFromEnv(process.env, import.meta.url);
