/**
 * Emulator time. Real by default; tests pin or advance it to expire sessions, roll rate-limit
 * windows and reset daily allowances without waiting.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private pinned: number | undefined;

  now(): number {
    return this.pinned ?? Date.now() + this.offsetMs;
  }

  /** Freeze time at `iso` (or unfreeze with `undefined`). */
  pin(iso: string | undefined): void {
    this.pinned = iso === undefined ? undefined : Date.parse(iso);
  }

  advance(ms: number): void {
    if (this.pinned !== undefined) this.pinned += ms;
    else this.offsetMs += ms;
  }
}
