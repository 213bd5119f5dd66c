import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Clock, systemClock } from '../ports/clock.ts';
import { type SecretSource, SecretUnavailableError, type SecretValue } from '../ports/secret-source.ts';

/** Five minutes: a rotated credential is picked up without a redeploy, at $0.05 per 10k calls. */
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

export interface SecretsCacheOptions {
  client: SecretsManagerClient;
  ttlMs?: number;
  clock?: Clock;
}

/**
 * Secrets Manager with a per-container cache. Concurrent requests for one secret share one call.
 * When a refresh fails but an older value is cached, the older value is served: a Secrets Manager
 * hiccup should not stop a run whose credentials have not changed.
 */
export class SecretsManagerCache implements SecretSource {
  readonly #client: SecretsManagerClient;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #cache = new Map<string, SecretValue>();
  readonly #inFlight = new Map<string, Promise<SecretValue>>();

  constructor(options: SecretsCacheOptions) {
    this.#client = options.client;
    this.#ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
    this.#clock = options.clock ?? systemClock;
  }

  async get(secretId: string, options: { maxAgeMs?: number } = {}): Promise<SecretValue> {
    const maxAge = Math.min(this.#ttlMs, options.maxAgeMs ?? this.#ttlMs);
    const cached = this.#cache.get(secretId);
    if (cached && this.#clock.now().getTime() - cached.fetchedAtMs < maxAge) return cached;
    let pending = this.#inFlight.get(secretId);
    if (!pending) {
      pending = this.#fetch(secretId, cached).finally(() => this.#inFlight.delete(secretId));
      this.#inFlight.set(secretId, pending);
    }
    return pending;
  }

  invalidate(secretId: string): void {
    this.#cache.delete(secretId);
  }

  async #fetch(secretId: string, stale: SecretValue | undefined): Promise<SecretValue> {
    let text: string | undefined;
    let versionId: string | undefined;
    try {
      const out = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId }));
      text = out.SecretString;
      versionId = out.VersionId;
    } catch (e) {
      if (stale) return stale;
      const name = e instanceof Error ? e.name : 'Error';
      throw new SecretUnavailableError(secretId, `cannot be read (${name}): ${hintFor(name)}`, { cause: e });
    }
    if (text === undefined) {
      throw new SecretUnavailableError(
        secretId,
        'has no SecretString: store the JSON shown in docs/deploy.md as text',
      );
    }
    const value: SecretValue = {
      text,
      versionId: versionId ?? 'unknown',
      fetchedAtMs: this.#clock.now().getTime(),
    };
    this.#cache.set(secretId, value);
    return value;
  }
}

function hintFor(errorName: string): string {
  switch (errorName) {
    case 'ResourceNotFoundException':
      return 'create it (docs/deploy.md, "Secrets") in the region the stack runs in';
    case 'AccessDeniedException':
      return "the function's role may not read it: its name must match the one in serverless.yml";
    case 'DecryptionFailure':
      return 'the KMS key that encrypts it cannot be used by this function';
    default:
      return 'check that Secrets Manager is reachable and the secret exists';
  }
}
