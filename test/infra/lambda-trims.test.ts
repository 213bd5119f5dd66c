import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceEmulator, startSalesforceEmulator } from '../../emulators/salesforce/index.ts';
import { dependencyTrims } from '../../scripts/build-lambdas.ts';
import { compactHolidayTable, HolidayJpTrimError } from '../../scripts/trim-holiday-jp.ts';
import { STREAMING_NOT_IN_LAMBDA } from '../../scripts/trim-jsforce-streaming.ts';
import { compactMimeDb, MimeDbTrimError } from '../../scripts/trim-mime-db.ts';
import { trimUndici } from '../../scripts/trim-undici.ts';
import { trimZod } from '../../scripts/trim-zod.ts';
import { type ProbeTarget, probeSalesforce } from './support/salesforce-probe.ts';

/**
 * The dependency trims of the Lambda build (scripts/trim-*.ts) leave code out of the bundles; these
 * tests check that what the functions run behaves as it does from source, and that the trims stop
 * the build rather than guess when a dependency changes.
 */
const ROOT = resolve('.');
const require = createRequire(import.meta.url);
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'tossup-trims-'));
symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const BANNER = "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);";

async function bundle(name: string, contents: string, plugins: esbuild.Plugin[]) {
  // A file, not stdin: plugins only see files (the zod trim rewrites the entry itself).
  const entry = join(work, `${name}.ts`);
  writeFileSync(entry, contents);
  const outfile = join(work, `${name}.mjs`);
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    banner: { js: BANNER },
    metafile: true,
    plugins,
    logLevel: 'silent',
  });
  // Files parsed but shaken out stay in `metafile.inputs`; the output lists what the bundle holds.
  const [output] = Object.values(result.metafile.outputs);
  const inputs = Object.entries(output!.inputs).filter(([, i]) => i.bytesInOutput > 0);
  return { outfile, inputs: inputs.map(([file]) => file) };
}

describe('jsforce core and the trimmed undici (Salesforce functions)', () => {
  let emu: SalesforceEmulator;
  let proxy: Server;
  let proxyUrl: string;
  const proxied: string[] = [];
  let probe: { outfile: string; inputs: string[] };

  beforeAll(async () => {
    emu = await startSalesforceEmulator({});
    const emuPort = Number(new URL(emu.url).port);
    // A forward proxy for http:// targets (sent to the emulator) that refuses CONNECT tunnels.
    proxy = createServer((req, res) => {
      proxied.push(`${req.method} ${req.url}`);
      const target = new URL(req.url!);
      const upstream = request(
        {
          host: '127.0.0.1',
          port: emuPort,
          method: req.method,
          path: target.pathname + target.search,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    proxy.on('connect', (req, socket) => {
      proxied.push(`CONNECT ${req.url}`);
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
    });
    await new Promise<void>((ok) => proxy.listen(0, '127.0.0.1', ok));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    probe = await bundle(
      'salesforce-probe',
      [
        `import { probeSalesforce } from ${JSON.stringify(join(ROOT, 'test', 'infra', 'support', 'salesforce-probe.ts'))};`,
        'process.stdout.write(JSON.stringify(await probeSalesforce(JSON.parse(process.argv[2]))));',
      ].join('\n'),
      dependencyTrims('salesforce', true),
    );
  }, 60_000);
  afterAll(async () => {
    await new Promise((ok) => proxy.close(ok));
    await emu.close();
  });

  const auth = (): ProbeTarget['auth'] => ({ flow: 'password', ...emu.credentials });
  async function bothWays(target: ProbeTarget) {
    proxied.length = 0;
    const fromSource = await probeSalesforce(target);
    const sourceProxied = [...proxied];
    proxied.length = 0;
    const { stdout } = await run(process.execPath, [probe.outfile, JSON.stringify(target)], {
      env: { PATH: process.env.PATH },
      timeout: 30_000,
    });
    expect(proxied).toEqual(sourceProxied);
    return { fromSource, fromBundle: JSON.parse(stdout) as unknown, proxied: sourceProxied };
  }

  it('the bundle carries neither jsforce API modules nor undici extras', () => {
    const inputs = probe.inputs.join('\n');
    expect(inputs).toContain('jsforce/lib/connection.js');
    expect(inputs).not.toMatch(/jsforce\/lib\/api\//);
    expect(inputs).not.toMatch(
      /undici\/index\.js|undici\/lib\/(mock|web\/websocket|web\/eventsource|cache)\//,
    );
    expect(inputs).not.toMatch(/undici\/lib\/milo\//);
  });

  it('leaves jsforce streaming (faye) out and says where listening runs if a function asks for it', async () => {
    const inputs = probe.inputs.join('\n');
    expect(inputs).not.toMatch(/node_modules\/(faye|tough-cookie)\//);
    const streaming = await bundle(
      'salesforce-streaming',
      [
        `import { SalesforceClient } from ${JSON.stringify(join(ROOT, 'connectors', 'salesforce', 'client.ts'))};`,
        'try { await SalesforceClient.prototype.streamingClient.call({ conn: {} }, []); console.log("created"); }',
        'catch (e) { console.log(e.message); }',
      ].join('\n'),
      dependencyTrims('salesforce', true),
    );
    const { stdout } = await run(process.execPath, [streaming.outfile], { env: { PATH: process.env.PATH } });
    expect(stdout.trim()).toBe(STREAMING_NOT_IN_LAMBDA);
  });

  it('calls an org directly exactly as from source', async () => {
    const r = await bothWays({ loginUrl: emu.loginUrl, proxy: null, auth: auth() });
    expect(r.fromBundle).toEqual(r.fromSource);
    expect(r.fromSource).toMatchObject({ query: { status: 200, done: true }, missing: { status: 404 } });
  });

  it('goes through a forward proxy for an http:// login URL exactly as from source', async () => {
    const loginUrl = emu.loginUrl.replace('127.0.0.1', 'sf-probe.test');
    const r = await bothWays({ loginUrl, proxy: proxyUrl, auth: auth() });
    expect(r.fromBundle).toEqual(r.fromSource);
    expect(r.fromSource).toMatchObject({ query: { status: 200 } });
    expect(r.proxied).toEqual([`POST ${loginUrl}/services/oauth2/token`]);
  });

  it('tunnels https:// through the proxy (CONNECT) exactly as from source', async () => {
    const r = await bothWays({ loginUrl: 'https://login.sf-probe.test', proxy: proxyUrl, auth: auth() });
    expect(r.fromBundle).toEqual(r.fromSource);
    expect(r.proxied).toEqual(['CONNECT login.sf-probe.test:443']);
    expect(JSON.stringify(r.fromSource)).toMatch(/loginFailed/);
  });

  it('refuses to start with UNDICI_USE_MILO set, since the Milo parser is not in the bundle', async () => {
    const target: ProbeTarget = { loginUrl: emu.loginUrl, proxy: null, auth: auth() };
    const failed = run(process.execPath, [probe.outfile, JSON.stringify(target)], {
      env: { PATH: process.env.PATH, UNDICI_USE_MILO: '1' },
      timeout: 30_000,
    });
    await expect(failed).rejects.toMatchObject({
      stderr: expect.stringContaining("undici's Milo parser is not in this bundle"),
    });
  });

  it('stops the build when a module uses an undici export the trimmed entry does not provide', async () => {
    const user = join(work, 'undici-user.cjs');
    writeFileSync(user, 'const u = require("undici");\nmodule.exports = new u.WebSocket("ws://x");\n');
    await expect(
      esbuild.build({
        entryPoints: [user],
        bundle: true,
        write: false,
        platform: 'node',
        plugins: [trimUndici()],
        logLevel: 'silent',
      }),
    ).rejects.toThrow(/uses undici's WebSocket, which scripts\/trim-undici\.ts does not provide/);
  });
});

describe('zod through its namespace', () => {
  it('validates with the same messages, without the other locales or JSON-schema import', async () => {
    const contents = [
      `import { z } from 'zod';`,
      `const Shape = z.object({ name: z.string().min(2), count: z.number().int() }).strict();`,
      `const r = Shape.safeParse({ name: 'x', count: 1.5, extra: true });`,
      `process.stdout.write(JSON.stringify(r.success ? null : r.error.issues));`,
    ].join('\n');
    const plain = await bundle('zod-plain', contents, []);
    const trimmed = await bundle('zod-trimmed', contents, [trimZod()]);
    const out = async (file: string) => (await run(process.execPath, [file])).stdout;
    expect(await out(trimmed.outfile)).toBe(await out(plain.outfile));
    expect(JSON.parse(await out(trimmed.outfile))).toHaveLength(3);
    const otherLocales = (inputs: string[]) => inputs.filter((f) => /zod\/v4\/locales\/(?!en\.js)/.test(f));
    expect(otherLocales(plain.inputs).length).toBeGreaterThan(10);
    expect(otherLocales(trimmed.inputs)).toEqual([]);
    expect(trimmed.inputs.join('\n')).not.toMatch(/from-json-schema/);
  });
});

describe('the compacted holiday table', () => {
  const tableFile = join(
    dirname(require.resolve('@holiday-jp/holiday_jp/package.json')),
    'lib',
    'holidays.js',
  );
  const table = require(tableFile) as Record<string, Record<string, unknown>>;

  it('rebuilds exactly the package table (keys, records, field order) in a fifth of the size', () => {
    const code = compactHolidayTable(table);
    const module = { exports: {} as unknown };
    new Function('module', code)(module);
    expect(JSON.stringify(module.exports)).toBe(JSON.stringify(table));
    expect((module.exports as Record<string, { name: string }>)['2026-01-01']!.name).toBe('元日');
    expect(code.length).toBeLessThan(readFileSync(tableFile, 'utf8').length / 5);
  });

  it('refuses a table whose records differ in shape', () => {
    const odd = {
      '2026-01-01': { date: '2026-01-01', name: 'a' },
      '2026-01-02': { name: 'b', date: '2026-01-02' },
    };
    expect(() => compactHolidayTable(odd)).toThrow(HolidayJpTrimError);
  });
});

describe('the compacted mime-db', () => {
  const mimeTypesFile = require.resolve('mime-types');
  const source = readFileSync(mimeTypesFile, 'utf8');
  const fullDb = createRequire(mimeTypesFile)('mime-db') as Record<string, Record<string, unknown>>;
  type MimeTypes = {
    types: Record<string, string>;
    extensions: Record<string, string[]>;
    lookup(path: string): string | false;
    charset(type: string): string | false;
    contentType(type: string): string | false;
    extension(type: string): string | false;
  };
  /** mime-types' own code, evaluated with the given database. */
  const mimeTypesWith = (db: unknown): MimeTypes => {
    const module = { exports: {} };
    const req = (id: string) => (id === 'mime-db' ? db : createRequire(mimeTypesFile)(id));
    new Function('exports', 'require', 'module', source)(module.exports, req, module);
    return module.exports as MimeTypes;
  };

  it('gives mime-types the same answers for every type and extension', () => {
    const compact = compactMimeDb(fullDb, source);
    expect(JSON.stringify(compact).length).toBeLessThan(JSON.stringify(fullDb).length * 0.6);
    const full = mimeTypesWith(fullDb);
    const small = mimeTypesWith(compact);
    expect(small.types).toEqual(full.types);
    expect(small.extensions).toEqual(full.extensions);
    for (const type of [...Object.keys(fullDb), 'text/x-unknown', 'application/x-unknown']) {
      expect([small.charset(type), small.contentType(type), small.extension(type)], type).toEqual([
        full.charset(type),
        full.contentType(type),
        full.extension(type),
      ]);
    }
    for (const ext of Object.keys(full.types)) expect(small.lookup(`f.${ext}`)).toBe(full.lookup(`f.${ext}`));
  });

  it('stops if mime-types reads a field the compaction drops', () => {
    expect(() => compactMimeDb(fullDb, `${source}\nvar c = db[type].compressible`)).toThrow(MimeDbTrimError);
  });
});
