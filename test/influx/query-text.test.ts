import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The guard that keeps values out of InfluxQL text in code not written yet: in liftwatch's
 * source, a template literal or a `+` that reads as InfluxQL may put into its text only what the
 * compiler knows as a constant (a string or number literal type, e.g. `${WITHIN}` or
 * `${MAX_RECENT_FAULTS}`); every other value goes as a bound parameter (influx/params.ts).
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Words that start InfluxQL statements, or name what they read, in liftwatch's upper case. */
const INFLUXQL = /\b(SELECT|SHOW|DELETE|DROP|CREATE|ALTER|GRANT|REVOKE|WHERE|GROUP BY)\b/;
/** Not InfluxQL, or not run by liftwatch with values in it. */
const EXEMPT: ReadonlyArray<readonly [RegExp, string]> = [
  [/^test\//, 'the tests query their own data'],
  [/^store\//, "SQLite's statements, bound by better-sqlite3's own parameters"],
  [
    /^dashboards\/influxql\.ts$/,
    "Grafana's statements, built from the dashboards' constants; the variables and macros Grafana " +
      'fills in are bound by dashboards/grafana.ts when liftwatch runs them',
  ],
];

function program(): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error('no tsconfig.json');
  const rootNames = config.fileNames.filter(
    (file) => !EXEMPT.some(([pattern]) => pattern.test(path.relative(ROOT, file))),
  );
  return ts.createProgram({ rootNames, options: config.options });
}

/** Whether the compiler knows the expression's value: a literal type, or a union of them. */
function isConstant(checker: ts.TypeChecker, expression: ts.Expression): boolean {
  const type = checker.getTypeAtLocation(expression);
  const literal = (one: ts.Type) => one.isStringLiteral() || one.isNumberLiteral();
  return literal(type) || (type.isUnion() && type.types.every(literal));
}

/** `file:line: text` of each place a value that is not a constant goes into InfluxQL text. */
function splicedValues(): string[] {
  const built = program();
  const checker = built.getTypeChecker();
  const found: string[] = [];
  for (const source of built.getSourceFiles()) {
    const file = path.relative(ROOT, source.fileName);
    if (file.startsWith('..') || file.includes('node_modules') || EXEMPT.some(([pattern]) => pattern.test(file)))
      continue;
    const report = (node: ts.Node) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${file}:${line + 1}: ${node.getText(source).slice(0, 160)}`);
    };
    const visit = (node: ts.Node) => {
      if (ts.isTemplateExpression(node)) {
        const text = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' ');
        if (INFLUXQL.test(text)) {
          for (const span of node.templateSpans) if (!isConstant(checker, span.expression)) report(span.expression);
        }
      }
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken) {
        const sides = [node.left, node.right];
        const query = sides.some((side) => ts.isStringLiteralLike(side) && INFLUXQL.test(side.text));
        if (query) for (const side of sides) if (!isConstant(checker, side)) report(side);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('InfluxQL text in the source', () => {
  it('holds no value but constants: values go as bound parameters', () => {
    expect(splicedValues()).toEqual([]);
  }, 120_000);
});
