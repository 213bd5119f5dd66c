import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateUnavailableError } from '../ports/state-unavailable-error.ts';

interface Holder {
  pid: number;
  host: string;
  nonce: string;
}

export interface DirectoryLockOptions {
  /** Give up waiting after this long (another process is holding the lock). */
  timeoutMs?: number;
  /** A lock older than this is left over from a crash: critical sections last milliseconds. */
  staleMs?: number;
  /**
   * A lock without a readable holder (empty or garbled: left by a crash of an older version, which
   * created the file before writing it) is stale once it is this old.
   */
  unreadableGraceMs?: number;
}

/**
 * A cross-process mutex on a lock file. The holder (pid, host, nonce) is written to a temp file that
 * is then hard-linked to the lock path: the link fails if the lock exists, and the lock never exists
 * without its content, so a SIGKILL at any instant leaves either no lock or a readable one. Critical
 * sections are synchronous (read a small JSON file, write a temp file, rename), so inside one process
 * nothing else runs while the lock is held and the lock is never re-entered. A lock is broken when its
 * holder died (same host, pid gone), when it is older than `staleMs`, or when it has no readable
 * holder and is older than `unreadableGraceMs`. Breaking re-checks the holder's nonce first, which
 * leaves only a microsecond window in which two processes breaking the same dead lock could both
 * proceed; a process has to have crashed inside a critical section for that to matter.
 */
export class DirectoryLock {
  readonly path: string;
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #unreadableGraceMs: number;
  readonly #host = hostname();

  constructor(path: string, options: DirectoryLockOptions = {}) {
    this.path = path;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#staleMs = options.staleMs ?? 60_000;
    this.#unreadableGraceMs = options.unreadableGraceMs ?? 1_000;
  }

  /** Runs `fn` (synchronous on purpose, see above) while holding the lock. */
  async withLock<T>(fn: () => T): Promise<T> {
    const nonce = await this.#acquire();
    try {
      return fn();
    } finally {
      this.#release(nonce);
    }
  }

  async #acquire(): Promise<string> {
    const nonce = randomBytes(8).toString('hex');
    const holder: Holder = { pid: process.pid, host: this.#host, nonce };
    const deadline = Date.now() + this.#timeoutMs;
    let wait = 1;
    for (;;) {
      if (this.#tryCreate(holder)) return nonce;
      if (this.#breakIfStale()) continue;
      if (Date.now() > deadline) {
        throw new StateUnavailableError(
          `state lock ${this.path} has been held by another process for over ${this.#timeoutMs} ms; ` +
            'if no other tossup run is active, delete that file and run again',
        );
      }
      await sleep(wait + Math.random() * wait);
      wait = Math.min(wait * 2, 50);
    }
  }

  #tryCreate(holder: Holder): boolean {
    const tmp = `${this.path}.${holder.nonce}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify(holder), { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, JSON.stringify(holder), { flag: 'wx' });
    }
    try {
      linkSync(tmp, this.path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      unlinkSync(tmp);
    }
  }

  #breakIfStale(): boolean {
    const seen = this.#readHolder();
    if (seen === 'gone') return true;
    let ageMs: number;
    try {
      ageMs = Date.now() - statSync(this.path).mtimeMs;
    } catch {
      return true; // released meanwhile
    }
    // Our own locks appear with their holder, so an unreadable one is a crash's leftover; the short
    // grace only spares an older version of tossup that is between creating and writing its lock.
    const dead =
      seen === null ? ageMs >= this.#unreadableGraceMs : seen.host === this.#host && !isAlive(seen.pid);
    if (!dead && ageMs < this.#staleMs) return false;
    const again = this.#readHolder();
    if (again === 'gone') return true;
    if (again?.nonce !== seen?.nonce) return false;
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    this.#sweepTemps();
    return true;
  }

  /** Temp files of holders killed between writing and removing them (rare: after a crash only). */
  #sweepTemps(): void {
    const dir = dirname(this.path);
    const prefix = `${basename(this.path)}.`;
    try {
      for (const name of readdirSync(dir)) {
        if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
        const file = join(dir, name);
        if (Date.now() - statSync(file).mtimeMs >= this.#unreadableGraceMs) unlinkSync(file);
      }
    } catch {
      // Best effort: a leftover temp file costs a few bytes, never correctness.
    }
  }

  #release(nonce: string): void {
    const h = this.#readHolder();
    if (h === 'gone' || h?.nonce !== nonce) return; // broken as stale and taken by someone else
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  #readHolder(): Holder | null | 'gone' {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      throw e;
    }
    try {
      const h = JSON.parse(text) as Partial<Holder>;
      return typeof h.pid === 'number' && typeof h.host === 'string' && typeof h.nonce === 'string'
        ? { pid: h.pid, host: h.host, nonce: h.nonce }
        : null;
    } catch {
      return null;
    }
  }
}

/** Whether a process with this pid runs on this host (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
