import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateUnavailableError } from './state-unavailable-error.ts';

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
}

/**
 * A cross-process mutex on a lock file created with O_EXCL. Critical sections are synchronous (read a
 * small JSON file, write a temp file, rename), so inside one process nothing else runs while the lock
 * is held and the lock is never re-entered. A lock whose holder died (same host, pid gone) or that is
 * older than `staleMs` is broken. Breaking re-checks the holder's nonce first, which leaves only a
 * microsecond window in which two processes breaking the same dead lock could both proceed; a
 * process has to have crashed inside a critical section for that to matter.
 */
export class DirectoryLock {
  readonly path: string;
  readonly #timeoutMs: number;
  readonly #staleMs: number;
  readonly #host = hostname();

  constructor(path: string, options: DirectoryLockOptions = {}) {
    this.path = path;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
    this.#staleMs = options.staleMs ?? 60_000;
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
    let fd: number;
    try {
      fd = openSync(this.path, 'wx');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return false;
      if (code === 'ENOENT') {
        mkdirSync(dirname(this.path), { recursive: true });
        return this.#tryCreate(holder);
      }
      throw e;
    }
    try {
      writeSync(fd, JSON.stringify(holder));
    } finally {
      closeSync(fd);
    }
    return true;
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
    // An unreadable holder is a lock being written right now, unless it is old.
    const dead = seen !== null && seen.host === this.#host && !isAlive(seen.pid);
    if (!dead && ageMs < this.#staleMs) return false;
    const again = this.#readHolder();
    if (again === 'gone') return true;
    if (again?.nonce !== seen?.nonce) return false;
    try {
      unlinkSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return true;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
