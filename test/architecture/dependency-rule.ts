import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';

/**
 * The dependency rule (docs/architecture.md mirrors this table). Each row: files in `from` must not
 * import files in any of `mayNotImport`. Folders are repository-relative prefixes.
 */
export const CORE = [
  'src/domain/',
  'src/scoring/',
  'src/config/',
  'src/normalize/',
  'src/reasons/',
  'src/routing/',
  'src/sla/',
  'src/pipeline/',
  'src/ports/',
  'src/episodes/',
  'src/changes/',
] as const;
export const ADAPTERS = ['src/aws/', 'src/state/', 'src/notify/', 'src/chat/'] as const;
export const COMPOSITION = ['src/cli/', 'src/handlers/', 'src/composition/'] as const;
export const CONNECTORS = ['connectors/'] as const;
export const EMULATORS = ['emulators/'] as const;
/** Shared by every layer: the scrubber and the logger, resting on the domain alone. */
export const LOGGING = ['src/logging/'] as const;
/** The one file outside connectors/ that may import them. */
export const REGISTRY = 'src/composition/crm-registry.ts';

export interface Rule {
  name: string;
  /** The rule's row in docs/architecture.md ("files in | must not import"), kept in step by a test. */
  doc: string;
  from: readonly string[];
  /** Files exempt from the row (the registry), or folders (prefixes ending in `/`). */
  except?: readonly string[];
  mayNotImport: readonly string[];
}

export const RULES: readonly Rule[] = [
  {
    name: 'core imports no adapter, composition root, connector or emulator',
    doc: '| the core (and any `src/` folder not named in another row) | adapters, composition roots, `connectors/`, `emulators/` |',
    // A src/ folder not placed in another row counts as core: a new folder is held to the strictest
    // row until it is placed here.
    from: ['src/'],
    except: [...ADAPTERS, ...COMPOSITION, ...LOGGING],
    mayNotImport: [...ADAPTERS, ...COMPOSITION, ...CONNECTORS, ...EMULATORS],
  },
  {
    name: 'adapters import no composition root, connector or emulator',
    doc: '| adapters (`src/aws`, `src/state`, `src/notify`, `src/chat`) | composition roots, `connectors/`, `emulators/` |',
    from: ADAPTERS,
    mayNotImport: [...COMPOSITION, ...CONNECTORS, ...EMULATORS],
  },
  {
    name: 'logging imports the domain only',
    doc: '| `src/logging` | anything in `src/` but `src/domain`, nor `connectors/`, `emulators/` |',
    from: LOGGING,
    mayNotImport: [
      ...CORE.filter((f) => f !== 'src/domain/'),
      ...ADAPTERS,
      ...COMPOSITION,
      ...CONNECTORS,
      ...EMULATORS,
    ],
  },
  {
    name: 'only the registry imports connectors',
    doc: '| `src/`, `emulators/` (except `src/composition/crm-registry.ts`) | `connectors/` |',
    from: ['src/', 'emulators/'],
    except: [REGISTRY],
    mayNotImport: CONNECTORS,
  },
  {
    name: 'connectors import no adapter, composition root or emulator',
    doc: '| `connectors/` | adapters, composition roots, `emulators/` |',
    from: CONNECTORS,
    mayNotImport: [...ADAPTERS, ...COMPOSITION, ...EMULATORS],
  },
  {
    name: 'emulators import the core only',
    doc: '| `emulators/` | `src/pipeline`, adapters, composition roots, `connectors/` |',
    from: EMULATORS,
    mayNotImport: ['src/pipeline/', ...ADAPTERS, ...COMPOSITION, ...CONNECTORS],
  },
];

export interface Violation {
  rule: string;
  file: string;
  imports: string;
  line: number;
}

/**
 * Static imports, re-exports (`export … from`) and `import('…')` with a string literal, type-only ones
 * included, with their 1-based lines. A small lexer, not a regex over the text: it skips comments,
 * string and template contents and regular expressions, so an import written in any of those does not
 * count. (The repository's TypeScript is the native compiler, which has no parser API.)
 */
export function importsOf(text: string): { specifier: string; line: number }[] {
  const found: { specifier: string; line: number }[] = [];
  // Significant tokens so far: words and punctuation, enough to recognise `from '…'`,
  // `import '…'` and `import('…'`.
  const recent: string[] = [];
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  const regexMayStart = () => {
    const last = recent.at(-1);
    if (last === undefined) return true;
    if (/^[A-Za-z_$][\w$]*$/.test(last)) return REGEX_AFTER_WORD.has(last);
    return !/^[)\]}]$/.test(last) && !/^[\d'"`]/.test(last);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      i = text.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      const value = text.slice(i + 1, j);
      const [a, b] = [recent.at(-1), recent.at(-2)];
      if (a === 'from' || (a === 'import' && b !== '.') || (a === '(' && b === 'import')) {
        found.push({ specifier: value, line: lineAt(i) });
      }
      recent.push("'");
      i = j + 1;
    } else if (c === '`') {
      i = skipTemplate(text, i + 1);
      recent.push('`');
    } else if (c === '/' && regexMayStart()) {
      let j = i + 1;
      let inClass = false;
      while (j < text.length && text[j] !== '\n' && (inClass || text[j] !== '/')) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') inClass = true;
        else if (text[j] === ']') inClass = false;
        j++;
      }
      recent.push('/re/');
      i = j + 1;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < text.length && /[\w$]/.test(text[j]!)) j++;
      recent.push(text.slice(i, j));
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      recent.push(c);
      i++;
    }
    if (recent.length > 4) recent.splice(0, recent.length - 4);
  }
  return found;
}

const REGEX_AFTER_WORD = new Set([
  'return',
  'typeof',
  'case',
  'in',
  'of',
  'delete',
  'void',
  'throw',
  'new',
  'else',
  'do',
  'yield',
  'await',
]);

/** Index just past the template literal whose body starts at `i` (nested `${…}` included). */
function skipTemplate(text: string, i: number): number {
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === '`') return i + 1;
    else if (c === '$' && text[i + 1] === '{') {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        const d = text[i]!;
        if (d === '`') i = skipTemplate(text, i + 1);
        else if (d === "'" || d === '"') {
          let j = i + 1;
          while (j < text.length && text[j] !== d) j += text[j] === '\\' ? 2 : 1;
          i = j + 1;
        } else {
          if (d === '{') depth++;
          else if (d === '}') depth--;
          i++;
        }
      }
    } else i++;
  }
  return i;
}

const under = (file: string, prefixes: readonly string[]) => prefixes.some((p) => file.startsWith(p));

/** Checks a file set given as repository-relative path → source text. */
export function checkDependencyRule(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of files) {
    for (const { specifier, line } of importsOf(text)) {
      if (!specifier.startsWith('.')) continue; // packages: the SDK rules live in the lint config
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      for (const rule of RULES) {
        const exempt = rule.except?.some((e) => (e.endsWith('/') ? file.startsWith(e) : file === e));
        if (!under(file, rule.from) || exempt) continue;
        // Inside one folder of a row's targets (a connector's own files) nothing is crossed.
        if (under(target, rule.mayNotImport) && !sameTop(file, target, rule.mayNotImport)) {
          violations.push({ rule: rule.name, file, imports: target, line });
        }
      }
    }
  }
  return violations;
}

function sameTop(file: string, target: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => file.startsWith(p) && target.startsWith(p));
}

export const READ_ROOTS = ['src', 'connectors', 'emulators'] as const;

/** Every .ts/.js source file under src/, connectors/ and emulators/ of the repository at `root`. */
export function readSourceTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(path);
      } else if (/\.(m?ts|m?js)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
        files.set(relative(root, path).split('\\').join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  for (const top of READ_ROOTS) walk(resolve(root, top));
  return files;
}

export const REPO_ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line} imports ${v.imports} (${v.rule})`;
}
