// The TypeScript compiler as an independent resolver of call sites (tests/typescript_oracle.py
// runs this with a pinned `typescript` package; it is no dependency of Parseltongue).
//
// Usage: node typescript_oracle.js TYPESCRIPT_MODULE_DIR ROOT < file list (one relative path
// a line). Builds one program of the listed files, walks every call and `new` expression,
// and prints one JSON line per call site:
//   [file, line, column, name, form, found, [[file, line, name, kind], ...]]
// `line`/`column` are where the called name starts (1-based line, 0-based column); `found`
// says whether the checker knows a symbol for the name at all (in the program or its libs);
// the list holds the definitions inside ROOT the call reaches: the declarations of the
// symbol (aliases followed) that are functions, methods, classes or constructors, narrowed to
// the signature the checker resolved when that is one of them (an overload picks one
// signature, each of the same callable). `kind` is the declaration's syntax kind.
"use strict";

const path = require("path");
const fs = require("fs");

const [typescriptDir, rootArgument] = process.argv.slice(2);
const ts = require(typescriptDir);
const root = path.resolve(rootArgument);
const files = fs.readFileSync(0, "utf8").split("\n").filter(Boolean);

const program = ts.createProgram(
  files.map((file) => path.join(root, file)),
  {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    jsx: ts.JsxEmit.Preserve,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowJs: true,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
  },
);
const checker = program.getTypeChecker();

function relative(fileName) {
  const relativePath = path.relative(root, fileName);
  if (relativePath.startsWith("..") || path.isAbsolute(relativePath)) return null;
  return relativePath.split(path.sep).join("/");
}

// What a function or class value is called by: `const f = () => {}`, `{ f: function () {} }`,
// `handle = () => {}` in a class, `X.prototype.m = function () {}`.
function holderName(node) {
  let holder = node.parent;
  while (holder && (ts.isParenthesizedExpression(holder) || ts.isAsExpression(holder)
    || ts.isSatisfiesExpression(holder) || ts.isTypeAssertionExpression(holder))) {
    holder = holder.parent;
  }
  if (!holder) return null;
  if ((ts.isVariableDeclaration(holder) || ts.isPropertyAssignment(holder)
    || ts.isPropertyDeclaration(holder)) && holder.name) {
    return holder.name;
  }
  if (ts.isBinaryExpression(holder) && ts.isPropertyAccessExpression(holder.left)) {
    return holder.left.name;
  }
  return null;
}

function isFunctionValue(node) {
  while (node && (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)
    || ts.isSatisfiesExpression(node))) {
    node = node.expression;
  }
  return !!node && (ts.isArrowFunction(node) || ts.isFunctionExpression(node)
    || ts.isClassExpression(node));
}

// The node naming a definition the call can reach, or null when the declaration is no
// function, method, class or constructor (a parameter, a variable holding a call's result, a
// function type).
function definitionName(declaration) {
  switch (declaration.kind) {
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.MethodSignature:
    case ts.SyntaxKind.ClassDeclaration:
      return declaration.name || declaration;
    case ts.SyntaxKind.Constructor:
      return declaration.getChildren().find((child) => child.kind === ts.SyntaxKind.ConstructorKeyword)
        || declaration;
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ArrowFunction:
      return holderName(declaration) || (declaration.name ? declaration.name : null);
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
      return isFunctionValue(declaration.initializer) ? declaration.name : null;
    case ts.SyntaxKind.PropertySignature:
      return declaration.type && ts.isFunctionTypeNode(declaration.type) ? declaration.name : null;
    default:
      return null;
  }
}

function place(declaration) {
  const nameNode = definitionName(declaration);
  if (!nameNode) return null;
  const sourceFile = declaration.getSourceFile();
  const file = relative(sourceFile.fileName);
  if (file === null) return null;
  const { line } = sourceFile.getLineAndCharacterOfPosition(nameNode.getStart(sourceFile));
  const text = nameNode.kind === ts.SyntaxKind.ConstructorKeyword ? "constructor"
    : ts.isIdentifier(nameNode) || ts.isPrivateIdentifier(nameNode) ? nameNode.text
    : nameNode.getText(sourceFile);
  return [file, line + 1, text, ts.SyntaxKind[declaration.kind]];
}

function resolvedSymbol(nameNode) {
  let symbol = checker.getSymbolAtLocation(nameNode);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      symbol = checker.getAliasedSymbol(symbol);
    } catch (error) {
      return symbol;
    }
  }
  return symbol;
}

function isLocalName(identifier) {
  const symbol = checker.getSymbolAtLocation(identifier);
  const declaration = symbol && symbol.valueDeclaration;
  if (!declaration) return false;
  if (ts.isParameter(declaration)) return true;
  let scope = declaration.parent;
  while (scope && !ts.isSourceFile(scope)) {
    if (ts.isFunctionLike(scope)) return ts.isVariableDeclaration(declaration)
      || ts.isBindingElement(declaration);
    scope = scope.parent;
  }
  return false;
}

function callForm(call, callee) {
  if (ts.isNewExpression(call)) return "new X()";
  if (ts.isIdentifier(callee)) return "f()";
  const receiver = callee.expression;
  if (receiver.kind === ts.SyntaxKind.ThisKeyword) return "this.m()";
  if (receiver.kind === ts.SyntaxKind.SuperKeyword) return "super.m()";
  if (ts.isPropertyAccessExpression(receiver) && receiver.expression.kind === ts.SyntaxKind.ThisKeyword) {
    return "this.x.m()";
  }
  if (ts.isIdentifier(receiver)) return isLocalName(receiver) ? "local.m()" : "Name.m()";
  return "other";
}

function calledName(call) {
  let callee = call.expression;
  while (callee && (ts.isParenthesizedExpression(callee) || ts.isNonNullExpression(callee))) {
    callee = callee.expression;
  }
  if (!callee) return null;
  if (ts.isIdentifier(callee)) return [callee, callee];
  if (ts.isPropertyAccessExpression(callee)) return [callee.name, callee];
  return null;
}

const out = [];
for (const relativePath of files) {
  const sourceFile = program.getSourceFile(path.join(root, relativePath));
  if (!sourceFile) continue;
  const visit = (node) => {
    if ((ts.isCallExpression(node) || ts.isNewExpression(node))) {
      const called = calledName(node);
      if (called) {
        const [nameNode, callee] = called;
        const symbol = resolvedSymbol(nameNode);
        const found = !!symbol;
        let targets = [];
        if (symbol) {
          const declarations = symbol.declarations || [];
          let chosen = declarations;
          const signature = checker.getResolvedSignature(node);
          const resolved = signature && signature.declaration;
          if (resolved && declarations.includes(resolved)) chosen = [resolved];
          if (ts.isNewExpression(node) && resolved && ts.isConstructorDeclaration(resolved)) {
            chosen = [...chosen, resolved];
          }
          const seen = new Set();
          for (const declaration of chosen) {
            const at = place(declaration);
            if (at && !seen.has(at.join("\0"))) {
              seen.add(at.join("\0"));
              targets.push(at);
            }
          }
        }
        const start = sourceFile.getLineAndCharacterOfPosition(nameNode.getStart(sourceFile));
        out.push(JSON.stringify([relativePath, start.line + 1, start.character, nameNode.text,
          callForm(node, callee), found, targets]));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
}
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
