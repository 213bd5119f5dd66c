import { afterEach, describe, expect, it } from 'vitest';
import { HttpApp } from '../../emulators/shared/http-app.ts';

const apps: HttpApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function makeApp(): HttpApp {
  const app = new HttpApp({
    notFound: () => ({ status: 404, body: [{ errorCode: 'NOT_FOUND', message: 'no route' }] }),
    internalError: (_req, e) => ({
      status: 500,
      body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(e) }],
    }),
  });
  app.route('GET', '/items/:id', 'items.get', (req) => ({ status: 200, body: { id: req.params.id } }));
  app.route('GET', '/boom', 'boom', () => {
    throw new Error('kaput');
  });
  apps.push(app);
  return app;
}

describe('HttpApp', () => {
  it('routes with params, counts per route and answers unknown paths in the service shape', async () => {
    const app = makeApp();
    const base = await app.listen();
    const ok = await fetch(`${base}/items/a%20b`);
    expect(await ok.json()).toEqual({ id: 'a b' });
    expect(ok.headers.get('content-type')).toMatch(/application\/json/);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'no route' }]);
    expect(app.counters.get('items.get')).toBe(1);
    expect(app.counters.get('unknown')).toBe(1);
  });

  it('turns handler exceptions into the service error shape instead of crashing', async () => {
    const app = makeApp();
    const base = await app.listen();
    const res = await fetch(`${base}/boom`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe('UNKNOWN_EXCEPTION');
  });

  it('injects a status fault for the next N matching requests only', async () => {
    const app = makeApp();
    const base = await app.listen();
    app.faults.set([
      { route: 'items.get', count: 2, fault: { kind: 'status', status: 503, body: { m: 'down' } } },
    ]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${base}/items/x`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect(app.faults.fired()).toEqual([2]);
  });

  it('resets the connection when asked to', async () => {
    const app = makeApp();
    const base = await app.listen();
    app.faults.set([{ route: 'items.get', count: 1, fault: { kind: 'reset' } }]);
    await expect(fetch(`${base}/items/x`)).rejects.toThrow();
    expect((await fetch(`${base}/items/x`)).status).toBe(200);
  });

  it('fires rate-based faults reproducibly for a given seed', async () => {
    const run = async () => {
      const app = makeApp();
      app.faults.set([{ route: 'items.get', rate: 0.3, fault: { kind: 'status', status: 429 } }], 42);
      const out: number[] = [];
      for (let i = 0; i < 50; i++)
        out.push((await app.handle('GET', '/items/1', {}, Buffer.alloc(0))).res.status);
      return out;
    };
    const a = await run();
    expect(a).toEqual(await run());
    const failures = a.filter((s) => s === 429).length;
    expect(failures).toBeGreaterThan(5);
    expect(failures).toBeLessThan(30);
  });
});
