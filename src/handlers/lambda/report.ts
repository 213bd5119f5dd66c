// Lambda entry: built into dist/lambda/report/index.mjs. Module scope runs once per container.
import { reportFromEnv } from '../report-wiring.ts';

export const handler = reportFromEnv(process.env, import.meta.url);
