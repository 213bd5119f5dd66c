/**
 * The state store cannot be used (lock held too long, unreadable file, disk error). It stops the run:
 * without state the cursor, quota and exactly-once records cannot be trusted.
 */
export class StateUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateUnavailableError';
  }
}
