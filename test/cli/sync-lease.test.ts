import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulators, startEmulators } from '../../emulators/start-emulators.ts';

/**
 * The run lease through real `tossup sync` processes against the Salesforce emulator. The first run
 * is held at its login by a loopback gate (after it took the lease, before any work), so "the other
 * run is still working" is a fact of the test, not a matter of timing.
 */

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'tossup-lease-'));
let emu: RunningEmulators;
let n = 0;

beforeAll(async () => {
  emu = await startEmulators({ leads: 40, seed: 11, workDir: join(root, 'emulate'), rateLimits: false });
});
afterAll(async () => {
  await emu?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

function sync(
  dir: string,
  loginUrl = emu.info.salesforce.loginUrl,
): { child: ChildProcess; exit: Promise<Exit> } {
  const child = spawn(process.execPath, [MAIN, 'sync', '--crm', 'salesforce', '--locale', 'en'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: root,
      ...emu.info.env,
      TOSSUP_SALESFORCE_LOGIN_URL: loginUrl,
      TOSSUP_SALESFORCE_MAPPING: new URL('../../mappings/salesforce.yaml', import.meta.url).pathname,
      TOSSUP_RULES: 'large',
      TOSSUP_STATE_DIR: join(dir, 'state'),
      TOSSUP_RUNS_DIR: join(dir, 'runs'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, exit };
}

/** A proxy to the emulator's login endpoint that holds each request until `open()`. */
async function loginGate() {
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    arrived();
    await opened;
    try {
      const r = await fetch(`${emu.info.salesforce.loginUrl}${req.url}`, {
        method: req.method,
        headers: { 'content-type': String(req.headers['content-type'] ?? '') },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await r.arrayBuffer()));
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reached,
    open,
    close: () => {
      open();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const tossUpTasks = () => emu.salesforce.store.all('Task').filter((t) => t.TossUp_Key__c);
const reports = (dir: string) => {
  try {
    return readdirSync(join(dir, 'runs'));
  } catch {
    return [];
  }
};

describe('tossup sync: one run per CRM and profile at a time', () => {
  it('a second sync started while the first works exits 5 at once, and only the first does the work', async () => {
    const dir = join(root, `run${++n}`);
    const gate = await loginGate();
    try {
      const first = sync(dir, gate.url);
      await gate.reached; // the first run holds the lease and is logging in

      const second = await sync(dir).exit;
      expect(second.code).toBe(5);
      expect(second.err).toMatch(
        new RegExp(
          `another run holds the lease on sync\\|salesforce\\|default since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z \\(pid ${first.child.pid} on .+\\); nothing was done`,
        ),
      );
      expect(second.out).toBe('');
      expect(tossUpTasks()).toHaveLength(0);
      expect(reports(dir)).toEqual([]);

      gate.open();
      const done = await first.exit;
      expect(done.code, done.err).toBe(0);
      expect(reports(dir)).toHaveLength(1);
      const report = JSON.parse(readFileSync(join(dir, 'runs', reports(dir)[0]!), 'utf8'));
      expect(report.counts.leadsRead).toBeGreaterThan(0);
      const tasks = tossUpTasks();
      expect(tasks.length).toBe(report.counts.tasksCreated);
      expect(new Set(tasks.map((t) => t.TossUp_Key__c)).size).toBe(tasks.length);
    } finally {
      await gate.close();
    }
  });

  it('a sync SIGKILLed while holding the lease does not block the next one', async () => {
    const dir = join(root, `run${++n}`);
    const gate = await loginGate();
    try {
      const killed = sync(dir, gate.url);
      await gate.reached;
      killed.child.kill('SIGKILL');
      expect((await killed.exit).signal).toBe('SIGKILL');
      // The dead run's lease is still on disk: only the pid check frees it before it expires.
      const leases = readFileSync(join(dir, 'state', 'leases', 'all.json'), 'utf8');
      expect(leases).toContain(`"pid":${killed.child.pid}`);

      const next = await sync(dir).exit;
      expect(next.code, next.err).toBe(0);
      expect(next.err).not.toContain('another run holds the lease');
      expect(reports(dir)).toHaveLength(1);
    } finally {
      await gate.close();
    }
  });

  it('a 0-byte state lock left by a SIGKILL (before its holder was written) does not hold up the next sync', async () => {
    const dir = join(root, `run${++n}`);
    mkdirSync(join(dir, 'state'), { recursive: true });
    const lock = join(dir, 'state', '.lock');
    writeFileSync(lock, '');
    const crashed = new Date(Date.now() - 5_000);
    utimesSync(lock, crashed, crashed);

    const next = await sync(dir).exit;
    expect(next.code, next.err).toBe(0);
    expect(next.err).not.toMatch(/state lock .* held by another process/);
    expect(reports(dir)).toHaveLength(1);
  });
});
