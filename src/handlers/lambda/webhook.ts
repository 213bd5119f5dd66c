// Lambda entry: built into dist/lambda/<function>/index.mjs. Module scope runs once per container.
import { webhookFromEnv } from '../webhook-wiring.ts';

export const handler = webhookFromEnv(process.env);
