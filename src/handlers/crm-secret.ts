import { z } from 'zod';
import { SecretUnavailableError } from '../ports/secret-source.ts';

/**
 * The JSON each Secrets Manager secret holds (docs/deploy.md shows them). The CRM secrets are parsed
 * by the CRM module's settings schema (connector-provider.ts); the webhook's own is here. Problems
 * name the secret and the key, never a value.
 */
export const HubspotWebhookSecretSchema = z.object({
  /** The app's client secret: the key of the v3 request signature. */
  clientSecret: z.string().trim().min(1),
});
export type HubspotWebhookSecret = z.infer<typeof HubspotWebhookSecretSchema>;

/** `rootProblem`: what a problem with the whole secret means (e.g. no complete way to log in). */
export function parseSecret<T>(
  schema: z.ZodType<T>,
  secretId: string,
  text: string,
  rootProblem?: string,
): T {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new SecretUnavailableError(secretId, 'is not JSON: store the JSON object shown in docs/deploy.md');
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) =>
    i.path.length === 0 && rootProblem
      ? `(the secret) ${rootProblem}`
      : `${i.path.map(String).join('.') || '(the secret)'} ${i.message}`,
  );
  throw new SecretUnavailableError(secretId, `is not in the expected shape: ${problems.join('; ')}`);
}
