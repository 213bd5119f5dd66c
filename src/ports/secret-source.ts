/** A secret's text and which version it is, as fetched. */
export interface SecretValue {
  text: string;
  /** Changes when the secret is rotated; cached clients are rebuilt when it does. */
  versionId: string;
  fetchedAtMs: number;
}

/** Secrets with caching (Secrets Manager in AWS, a map in tests). */
export interface SecretSource {
  /** The cached value when younger than `maxAgeMs` (default: the source's TTL), else a fresh one. */
  get(secretId: string, options?: { maxAgeMs?: number }): Promise<SecretValue>;
  /** Forget the cached value, e.g. after the CRM rejected the credentials it holds. */
  invalidate(secretId: string): void;
}

/** The secret cannot be read or is not in the expected shape; names the secret, never its content. */
export class SecretUnavailableError extends Error {
  readonly secretId: string;
  constructor(secretId: string, detail: string, options?: ErrorOptions) {
    // Worded so the id survives log scrubbing ("secret <word>" reads like a credential to it).
    super(`Secrets Manager entry ${secretId}: ${detail}`, options);
    this.name = 'SecretUnavailableError';
    this.secretId = secretId;
  }
}
