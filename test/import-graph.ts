import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';

/** One relative import: who imports what, and whether only types cross. */
export interface ImportEdge {
  from: string;
  to: string;
  typeOnly: boolean;
}

/** The layer a file belongs to, by its path (see {@link ARROWS}). */
export type Layer =
  | 'machines'
  | 'streams'
  | 'core'
  | 'driver:sqlite'
  | 'driver:threads'
  | 'driver:node-sqlite'
  | 'driver:postgres'
  | 'faces'
  | 'lane'
  | 'root'
  | 'outer';

const ROOT_FILES = new Set(['index.ts', 'create-pool.ts', 'postgres.ts']);

export function layerOf(file: string): Layer {
  // Tests and the tools around the package (CLI, suite, benches, properties, scripts) may import
  // anything; nothing in the package imports them (the arrows below never point at `outer`).
  if (file.endsWith('.test.ts')) return 'outer';
  if (ROOT_FILES.has(file)) return 'root';
  const [top, second, third] = file.split('/');
  if (top === 'machines' || top === 'streams' || top === 'core') return top;
  if (top === 'adapters' && second === 'faces') return 'faces';
  if (top === 'adapters' && second === 'lane') return 'lane';
  if (
    top === 'adapters' &&
    second === 'drivers' &&
    (third === 'sqlite' || third === 'threads' || third === 'node-sqlite' || third === 'postgres')
  )
    return `driver:${third}`;
  return 'outer';
}

/**
 * Which layers each layer may import. `types` lists layers it may import types from only; `files`
 * lists single files allowed beyond that (the driver port, errors and diagnosis vocabulary).
 */
/** What a driver may import from core/: the port, errors, diagnosis, and the shared checks of limits. */
const DRIVER_VOCABULARY = [
  'core/driver.ts',
  'core/errors/errors.ts',
  'core/errors/diagnose.ts',
  'core/options/limits.ts',
  'core/errors/show-value.ts',
] as const;

export const ARROWS: Readonly<
  Record<Layer, { values: readonly Layer[]; types?: readonly Layer[]; files?: readonly string[] }>
> = {
  machines: { values: ['machines'], types: ['core'] },
  streams: { values: ['streams'], types: ['core'] },
  core: { values: ['core', 'machines', 'streams'] },
  // The SQLite drivers keep the cross-process write lane of their file (docs/shards.md).
  'driver:sqlite': {
    values: ['driver:sqlite', 'lane'],
    files: DRIVER_VOCABULARY,
  },
  // The thread driver hosts the SQLite driver inside each worker.
  'driver:threads': {
    values: ['driver:threads', 'driver:sqlite', 'lane'],
    files: DRIVER_VOCABULARY,
  },
  // node:sqlite shares SQLite's code table, diagnosis and file guard with the better-sqlite3 driver,
  // and the lane.
  'driver:node-sqlite': {
    values: ['driver:node-sqlite', 'driver:sqlite', 'lane'],
    files: DRIVER_VOCABULARY,
  },
  'driver:postgres': {
    values: ['driver:postgres'],
    files: DRIVER_VOCABULARY,
  },
  // A face reaches a driver only through the composition root, never by import.
  faces: { values: ['faces', 'core'] },
  // The lane knows the driver port's gate, nothing of SQLite or the pool.
  lane: { values: ['lane'], files: ['core/driver.ts'] },
  root: {
    values: [
      'root',
      'core',
      'machines',
      'streams',
      'driver:sqlite',
      'driver:threads',
      'driver:node-sqlite',
      'driver:postgres',
      'faces',
      'lane',
    ],
  },
  outer: {
    values: [
      'outer',
      'root',
      'core',
      'machines',
      'streams',
      'driver:sqlite',
      'driver:threads',
      'driver:node-sqlite',
      'driver:postgres',
      'faces',
      'lane',
    ],
  },
};

function onlyTypes(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const clause = node.exportClause;
    return (
      clause !== undefined &&
      ts.isNamedExports(clause) &&
      clause.elements.length > 0 &&
      clause.elements.every((e) => e.isTypeOnly)
    );
  }
  const clause = node.importClause;
  if (!clause) return false; // a side-effect import runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  return (
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.length > 0 &&
    bindings.elements.every((e) => e.isTypeOnly)
  );
}

/** The relative imports of one file, resolved to repository paths (`.js` read as `.ts`). */
export function importsOf(file: string, source: string): ImportEdge[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    if (!spec.startsWith('.')) return;
    const to = posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts');
    edges.push({ from: file, to, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) add(node.moduleSpecifier.text, onlyTypes(node));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) add(arg.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** Every import against the arrows, as `from -> to (why)`. */
export function wrongImports(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    const from = layerOf(file);
    const rule = ARROWS[from];
    for (const edge of importsOf(file, source)) {
      if (!files.has(edge.to)) {
        out.push(`${file} -> ${edge.to} (no such file)`);
        continue;
      }
      const to = layerOf(edge.to);
      const ok =
        rule.values.includes(to) ||
        (rule.files?.includes(edge.to) ?? false) ||
        (edge.typeOnly && (rule.types?.includes(to) ?? false));
      if (!ok)
        out.push(`${file} -> ${edge.to} (${from} may not import ${edge.typeOnly ? 'types from ' : ''}${to})`);
    }
  }
  return out;
}

/** Every import cycle among the files (type-only imports included), each as `a -> b -> a`. */
export function importCycles(files: ReadonlyMap<string, string>): string[] {
  const next = new Map<string, string[]>();
  for (const [file, source] of files)
    next.set(
      file,
      importsOf(file, source)
        .map((e) => e.to)
        .filter((to) => files.has(to)),
    );
  // Tarjan's strongly connected components: any component of two or more files is a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[] = [];
  const connect = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!order.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      const selfLoop = next.get(v)?.includes(v) ?? false;
      if (component.length > 1 || selfLoop) cycles.push([...component.reverse(), component[0]].join(' -> '));
    }
  };
  for (const file of files.keys()) if (!order.has(file)) connect(file);
  return cycles;
}

const SKIP = new Set(['node_modules', 'dist', 'coverage', 'reports', '.git', '.tmp', 'roas-pool-report']);

/** Every `.ts` file of the repository at `root`, by repository path, with its text. */
export function repositoryFiles(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (SKIP.has(entry.name) || entry.name.startsWith('.')) continue;
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
        files.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  walk('');
  return files;
}

/** A word of an identifier (camelCase, snake_case) or a string that names SQLite's dialect. */
const SQLITE_WORDS = new Set(['sqlite', 'pragma', 'pragmas', 'wal']);

/** One place core/ may name SQLite, and why. */
export interface SqliteAllowance {
  file: string;
  name: string;
  why: string;
}

function sqliteName(node: ts.Node): string | undefined {
  if (ts.isIdentifier(node) || ts.isPrivateIdentifier(node)) {
    const words = node.text.split(/_|(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());
    return words.some((w) => SQLITE_WORDS.has(w)) ? node.text : undefined;
  }
  if (
    ts.isStringLiteralLike(node) ||
    ts.isTemplateHead(node) ||
    ts.isTemplateMiddle(node) ||
    ts.isTemplateTail(node)
  ) {
    // SQL text (PRAGMA ...), or a dialect compared or declared by name ('sqlite').
    if (/\bPRAGMA\b/.test(node.text) || node.text.toLowerCase() === 'sqlite') return `'${node.text}'`;
  }
  return undefined;
}

/**
 * Where a core/ source file names SQLite in code (comments and the words of user-facing messages
 * are not code): an identifier with the word sqlite, pragma(s) or wal, PRAGMA text, or the literal
 * 'sqlite'. Each as `file: name`, less the `allowed` places.
 */
export function sqliteInCore(
  files: ReadonlyMap<string, string>,
  allowed: readonly SqliteAllowance[] = [],
): string[] {
  const out = new Set<string>();
  for (const [file, source] of files) {
    if (!file.startsWith('core/') || file.endsWith('.test.ts')) continue;
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      const name = sqliteName(node);
      if (name !== undefined && !allowed.some((a) => a.file === file && a.name === name))
        out.add(`${file}: ${name}`);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return [...out].sort();
}

/**
 * Where a source file outside `owner` (tests aside) writes a connection record's `state`: an
 * assignment to `x.state` on anything but `this` (a class's own field, such as PoolError's, is its
 * own business). Each as `file:line`.
 */
export function stateWriters(files: ReadonlyMap<string, string>, owner: string): string[] {
  const out: string[] = [];
  for (const [file, source] of files) {
    if (file === owner || file.endsWith('.test.ts')) continue;
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const writes = (target: ts.Expression): boolean =>
      ts.isPropertyAccessExpression(target) &&
      target.name.text === 'state' &&
      target.expression.kind !== ts.SyntaxKind.ThisKeyword;
    const visit = (node: ts.Node): void => {
      const target = ts.isBinaryExpression(node)
        ? node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
          node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
          ? node.left
          : undefined
        : undefined;
      if (target && writes(target))
        out.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out.sort();
}
