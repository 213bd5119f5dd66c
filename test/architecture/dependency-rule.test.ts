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

/**
 * Imports of connectors/ still made by CLI commands that are moving behind the CRM module (issue 11,
 * `validate` and `setup` through `admin()`). Listed by file so no new one can slip in; remove an
 * entry when its file stops importing connectors/.
 */
const PENDING_MODULE_MOVE = new Set(['src/cli/commands/setup.ts', 'src/cli/commands/validate.ts']);

describe('the dependency rule (docs/architecture.md)', () => {
  it('holds for every import in src/, connectors/ and emulators/', () => {
    const files = readSourceTree(REPO_ROOT);
    // Guards against the walk silently reading nothing (a wrong root).
    for (const top of READ_ROOTS) expect([...files.keys()].some((f) => f.startsWith(`${top}/`))).toBe(true);
    const violations = checkDependencyRule(files).filter(
      (v) => !(v.rule === RULES[2]!.name && PENDING_MODULE_MOVE.has(v.file)),
    );
    expect(violations.map(formatViolation)).toEqual([]);
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
