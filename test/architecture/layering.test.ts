// The layering rule of docs/architecture.md, enforced: layers, losses, optimizers and models use
// only the tensor API. Their sources (parsed with the TypeScript compiler, so comments and strings
// do not count) may not import from src/backend or src/wasm, name the engine's ENGINE, or reach a
// tensor's storage (`.backend`, `.dataId`, `._replaceStorage`); in-place updates go through
// src/tensor/ops/inplace.ts (adamUpdate_, sgdUpdate_, assign_).
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GUARDED = ['src/layers', 'src/losses', 'src/optim', 'src/models'];
const FORBIDDEN_DIRS = ['src/backend', 'src/wasm'];
const FORBIDDEN_PROPERTIES = new Set(['backend', 'dataId', '_replaceStorage']);

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every breach of the rule in one source file, as `file:line: what`. */
function violations(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const rel = path.relative(root, file);
  const out: string[] = [];
  const report = (node: ts.Node, what: string): void => {
    out.push(`${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${what}`);
  };
  const checkSpecifier = (node: ts.Node, spec: ts.Expression | undefined): void => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    const target = path.relative(root, path.resolve(path.dirname(file), spec.text));
    const dir = FORBIDDEN_DIRS.find((d) => target === d || target.startsWith(d + path.sep));
    if (dir) report(node, `imports ${spec.text} (inside ${dir})`);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) checkSpecifier(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      checkSpecifier(node, node.arguments[0]);
    } else if (ts.isIdentifier(node) && node.text === 'ENGINE') report(node, 'names ENGINE');
    else if (ts.isPropertyAccessExpression(node) && FORBIDDEN_PROPERTIES.has(node.name.text)) {
      report(node, `reads .${node.name.text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('layering: layers, losses, optimizers and models use only the tensor API', () => {
  it('no source under src/layers, src/losses, src/optim or src/models reaches a backend or the engine', () => {
    const files = GUARDED.flatMap((d) => tsFiles(path.join(root, d)));
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap((f) => violations(f, fs.readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('the scan catches each kind of breach, and ignores comments and strings', () => {
    const file = path.join(root, 'src/optim/example.ts');
    const src = [
      "import { ENGINE } from '../tensor/engine.js';",
      "import type { Backend } from '../backend/backend.js';",
      "export { emitModule } from '../wasm/emitter.js';",
      'p.backend.adamUpdate(p.dataId, g, m, v, null, 1, h);',
      'p._replaceStorage(id);',
      "// p.backend and ENGINE in a comment; '../backend/x.js' and '.dataId' in a string:",
      "const s = '../backend/x.js .dataId';",
    ].join('\n');
    expect(violations(file, src)).toEqual([
      'src/optim/example.ts:1: names ENGINE',
      'src/optim/example.ts:2: imports ../backend/backend.js (inside src/backend)',
      'src/optim/example.ts:3: imports ../wasm/emitter.js (inside src/wasm)',
      'src/optim/example.ts:4: reads .backend',
      'src/optim/example.ts:4: reads .dataId',
      'src/optim/example.ts:5: reads ._replaceStorage',
    ]);
  });
});
