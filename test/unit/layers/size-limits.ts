import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parse, sourceFiles } from './import-graph.js';

export const LIMITS = { fileLines: 450, classMembers: 25, functionLines: 80 } as const;
/** Folders whose functions must stay short (issue 10): where the agent's logic lives. */
const SHORT_FUNCTION_DIRS = ['engine/', 'switch/', 'asterisk/'];

function lineSpan(sf: ts.SourceFile, n: ts.Node): number {
  const a = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
  const b = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
  return b - a + 1;
}

function nameOf(n: ts.Node): string {
  const named = n as { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name)))
    return named.name.text;
  if (ts.isConstructorDeclaration(n)) return 'constructor';
  if (ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) return n.parent.name.text;
  if (ts.isPropertyAssignment(n.parent) || ts.isPropertyDeclaration(n.parent)) return nameOf(n.parent);
  return '(anonymous)';
}

/**
 * Issue 10's size limits over `root` (src/): files outside lab/ up to 450 lines, classes up
 * to 25 members (outside lab/), functions in engine/, switch/ and asterisk/ up to 80 lines.
 */
export function sizeViolations(root: string): string[] {
  const out: string[] = [];
  for (const file of sourceFiles(root)) {
    if (file.startsWith('lab/')) continue;
    const lines = readFileSync(join(root, file), 'utf8').replace(/\n$/, '').split('\n').length;
    if (lines > LIMITS.fileLines) out.push(`${file}: ${lines} lines (limit ${LIMITS.fileLines})`);
    const sf = parse(root, file);
    const shortFunctions = SHORT_FUNCTION_DIRS.some((d) => file.startsWith(d));
    const visit = (n: ts.Node): void => {
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) {
        const members = n.members.filter((m) => !ts.isSemicolonClassElement(m)).length;
        if (members > LIMITS.classMembers)
          out.push(`${file}: class ${nameOf(n)} has ${members} members (limit ${LIMITS.classMembers})`);
      }
      if (shortFunctions && ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
        const span = lineSpan(sf, n);
        if (span > LIMITS.functionLines)
          out.push(`${file}: function ${nameOf(n)} is ${span} lines (limit ${LIMITS.functionLines})`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return out;
}
