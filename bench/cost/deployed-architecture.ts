import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type LambdaArchitecture = 'arm64' | 'x86_64';

/**
 * The architecture every function of `path` (serverless.yml) deploys with: the provider's, which no
 * function overrides (a mixed stack would need a price per function; the model has one).
 */
export function deployedArchitecture(path: string): LambdaArchitecture {
  // CloudFormation's short tags (!Ref, !GetAtt) are left unresolved: only the architecture keys are read.
  const doc = parseYaml(readFileSync(path, 'utf8'), { logLevel: 'error' }) as {
    provider?: { architecture?: string };
    functions?: Record<string, { architecture?: string }>;
  };
  const provider = doc.provider?.architecture ?? 'x86_64';
  const found = new Set([
    provider,
    ...Object.values(doc.functions ?? {}).map((f) => f.architecture ?? provider),
  ]);
  const [only] = found;
  if (found.size !== 1 || (only !== 'arm64' && only !== 'x86_64'))
    throw new Error(
      `${path}: expected one Lambda architecture (arm64 or x86_64) for every function, found ${[...found].join(', ')}`,
    );
  return only;
}
