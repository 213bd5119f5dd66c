// Lambda entry: built into dist/lambda/<function>/index.mjs. Module scope runs once per container.
import { workerFromEnv } from '../worker-wiring.ts';

export const handler = workerFromEnv(process.env, import.meta.url);
