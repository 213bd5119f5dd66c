import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDependencyRule,
  formatViolation,
  importsOf,
  READ_ROOTS,
  REPO_ROOT,
  RULES,
  readSourceTree,
} from './dependency-rule.ts';

describe('the dependency rule (docs/architecture.md)', () => {
  it('holds for every import in src/, connectors/ and emulators/', () => {
    const files = readSourceTree(REPO_ROOT);
    // Guards against the walk silently reading nothing (a wrong root).
    for (const top of READ_ROOTS) expect([...files.keys()].some((f) => f.startsWith(`${top}/`))).toBe(true);
    expect(checkDependencyRule(files).map(formatViolation)).toEqual([]);
  });

  it('is stated in docs/architecture.md row for row', () => {
    const doc = readFileSync(resolve(REPO_ROOT, 'docs/architecture.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The dependency rule'));
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| files in'));
    expect(rows).toEqual(RULES.map((r) => r.doc));
  });

  it('reports a core file importing a composition root, statically or through import()', () => {
    const files = new Map([
      ['src/scoring/decide.ts', "import { main } from '../cli/main.ts';\nexport const x = 1;\n"],
      ['src/pipeline/late.ts', "export async function f() {\n  return import('../handlers/wiring.ts');\n}\n"],
      ['src/ports/typed.ts', "import type { Table } from '../aws/dynamo-table.ts';\n"],
      ['src/cli/main.ts', "import { decide } from '../scoring/decide.ts';\n"],
    ]);
    expect(checkDependencyRule(files).map(formatViolation)).toEqual([
      'src/scoring/decide.ts:1 imports src/cli/main.ts (core imports no adapter, composition root, connector or emulator)',
      'src/pipeline/late.ts:2 imports src/handlers/wiring.ts (core imports no adapter, composition root, connector or emulator)',
      'src/ports/typed.ts:1 imports src/aws/dynamo-table.ts (core imports no adapter, composition root, connector or emulator)',
    ]);
  });

  it('holds a src/ folder not placed in the table to the core row', () => {
    const files = new Map([['src/new-feature/a.ts', "import { sqs } from '../aws/clients.ts';\n"]]);
    expect(checkDependencyRule(files).map((v) => `${v.file} → ${v.imports}`)).toEqual([
      'src/new-feature/a.ts → src/aws/clients.ts',
    ]);
  });

  it('reports adapters importing entry points, and connectors imported outside the registry', () => {
    const files = new Map([
      ['src/aws/queue.ts', "export { handler } from '../handlers/worker-handler.ts';\n"],
      ['src/state/store.ts', "import '../composition/crm-registry.ts';\n"],
      ['src/handlers/wiring.ts', "import { hubspotModule } from '../../connectors/hubspot/module.ts';\n"],
      ['emulators/world/gen.ts', "import { x } from '../../connectors/salesforce/soql.ts';\n"],
      [
        'src/composition/crm-registry.ts',
        "import { hubspotModule } from '../../connectors/hubspot/module.ts';\n",
      ],
      ['connectors/hubspot/module.ts', "import { HubspotConnector } from './client.ts';\n"],
    ]);
    expect(checkDependencyRule(files).map((v) => `${v.file} → ${v.imports}`)).toEqual([
      'src/aws/queue.ts → src/handlers/worker-handler.ts',
      'src/state/store.ts → src/composition/crm-registry.ts',
      'src/handlers/wiring.ts → connectors/hubspot/module.ts',
      'emulators/world/gen.ts → connectors/salesforce/soql.ts',
      'emulators/world/gen.ts → connectors/salesforce/soql.ts',
    ]);
  });

  it('reads imports, not text that looks like one', () => {
    const text = [
      "// import '../cli/main.ts';",
      "/* import { x } from '../aws/a.ts'; */",
      'const s = "import \'../handlers/h.ts\'";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a template literal, on purpose
      "const t = `from '../state/s.ts' ${\"import('../cli/c.ts')\"}`;",
      "const re = /from '(x)'/;",
      'const o = { import: 1 }; o.import;',
      "export * from './kept.ts';",
      "import type { A } from './types.ts';",
      "const m = await import(\n  '../late.ts'\n);",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { specifier: './kept.ts', line: 7 },
      { specifier: './types.ts', line: 8 },
      { specifier: '../late.ts', line: 10 },
    ]);
  });
});
