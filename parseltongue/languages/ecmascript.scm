; JavaScript and TypeScript alike (appended to javascript.scm, typescript.scm; both grammars
; spell these nodes the same): functions, methods, classes, calls, imports, `new` bindings,
; describe/it/test blocks. Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
; Functions in an object literal (before the generic `method_definition`) are its methods:
; qualified by the variable holding it (`const api = { get() {} }` gives the method `api.get`),
; else by nothing (`module.exports = { f() {} }`). Only a receiver reaches a method
; (`methods_need_receiver`): a bare `get()` inside never names the object's own.
(variable_declarator
  name: (identifier) @scope
  value: (object [
    (pair
      key: [(string (string_fragment) @name) (property_identifier) @name (number) @name]
      value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)])
    (method_definition
      name: [(string (string_fragment) @name) (property_identifier) @name]
      body: (statement_block) @body)
  ] @definition.function))
(pair
  key: [
    (string (string_fragment) @name)
    (property_identifier) @name
    (number) @name
    (computed_property_name) @name
  ]
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]
) @definition.method
(object
  (method_definition
    name: [
      (string (string_fragment) @name)
      (property_identifier) @name
      (computed_property_name) @name
      (number) @name
    ]
    body: (statement_block) @body) @definition.method)

(function_declaration name: (identifier) @name body: (statement_block) @body) @definition.function
(generator_function_declaration
  name: (identifier) @name body: (statement_block) @body) @definition.function
(class_declaration name: (_) @name body: (class_body) @body) @definition.class
(class name: (_) @name body: (class_body) @body) @definition.class
(method_definition
  name: [
    (string (string_fragment) @name)
    (property_identifier) @name
    (private_property_identifier) @name
    (computed_property_name) @name
    (number) @name
  ]
  body: (statement_block) @body) @definition.function

; A function or anonymous class given to a name takes the name: `const f = () => {}`,
; `const C = class {}`, `exports.f = function () {}`, `Foo.prototype.m = function () {}`.
(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function body: (_) @body)
    (function_expression body: (_) @body)
    (generator_function body: (_) @body)
  ]) @definition.function
(variable_declarator
  name: (identifier) @name value: (class !name body: (class_body) @body)) @definition.class
; A module-pattern IIFE defines its variable: `var nodeUtil = (function () { ... }())`,
; and so does a parenthesized function `var f = (function f() {...})`.
(variable_declarator
  name: (identifier) @name
  value: [
    (call_expression function: (parenthesized_expression
      [(function_expression body: (_) @body) (arrow_function body: (_) @body)]))
    (parenthesized_expression (call_expression function:
      [(function_expression body: (_) @body) (arrow_function body: (_) @body)]))
    (parenthesized_expression
      [(function_expression body: (_) @body) (arrow_function body: (_) @body)])
  ]) @definition.function
; A named function expression not given to a variable keeps its own name:
; `defineGetter(req, 'host', function host() {...})`, `return function handle() {...}`.
(arguments (function_expression name: (identifier) @name body: (_) @body) @definition.function)
(return_statement
  (function_expression name: (identifier) @name body: (_) @body) @definition.function)
(assignment_expression
  left: (member_expression
    object: (member_expression
      object: (identifier) @scope property: (property_identifier) @_prototype)
    property: (property_identifier) @name)
  right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]
  (#eq? @_prototype "prototype")) @definition.function
(assignment_expression
  left: [
    (identifier) @name
    (member_expression property: (property_identifier) @name)
  ]
  right: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]
) @definition.function

; Test blocks: `describe('Circle', () => {...})`, `it.only('works', function () {...})` are
; function entities named by their title as written, quotes included (`'Circle'`,
; `'Circle'.'works'`): what runs in them has an owner, and a title never passes for a name in
; code (`new Circle()` must not resolve to the block). The markers below make them tests.
(call_expression
  function: [(identifier) @_test (member_expression object: (identifier) @_test)]
  arguments: (arguments
    .
    [(string) (template_string)] @name
    .
    [
      (arrow_function body: (statement_block) @body)
      (function_expression body: (statement_block) @body)
    ])
  (#any-of? @_test
    "describe" "context" "suite" "it" "test" "specify" "fdescribe" "xdescribe" "fit" "xit"
  )) @definition.function

; ---- calls: free `f()`, method `x.f()`, constructor `new X()` / `new ns.X()` -----------------
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (member_expression
    object: (_) @receiver
    property: [(property_identifier) (private_property_identifier)] @name)) @reference.call
(new_expression constructor: (identifier) @name) @reference.call
(new_expression
  constructor: (member_expression
    object: (_) @scope property: (property_identifier) @name)) @reference.call

; ---- imports: @module is the specifier as written ('./m', 'lodash') ----------------------
; `import x from 'm'` imports `x` (the default export, under its local name);
; `import {a as b}` name a, alias b; `import * as ns` alias ns; `import 'm'` the module alone.
(import_statement
  (import_clause (identifier) @name)
  source: (string (string_fragment) @module)) @reference.import
(import_statement
  (import_clause (named_imports (import_specifier name: (_) @name alias: (_)? @alias)))
  source: (string (string_fragment) @module)) @reference.import
(import_statement
  (import_clause (namespace_import (identifier) @alias))
  source: (string (string_fragment) @module)) @reference.import
(import_statement . source: (string (string_fragment) @module)) @reference.import
; Re-exports: `export {a as b} from 'm'`, `export * from 'm'`, `export * as ns from 'm'`.
(export_statement
  (export_clause (export_specifier name: (_) @name alias: (_)? @alias))
  source: (string (string_fragment) @module)) @reference.import
(export_statement "*" @name . source: (string (string_fragment) @module)) @reference.import
; A file's own name exported under another: `export { async_ as async }` (no `from`).
(export_statement
  (export_clause (export_specifier name: (_) @name alias: (_) @alias))
  !source) @reference.export
(export_statement
  (namespace_export (_) @alias) source: (string (string_fragment) @module)) @reference.import
; CommonJS: `const fs = require('fs')`, `const {a, b: c} = require('m')`, `require('m');`,
; and dynamic `import('m')`.
(variable_declarator
  name: (identifier) @alias
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @module) .))
  (#eq? @_require "require")) @reference.import
(variable_declarator
  name: (object_pattern [
    (shorthand_property_identifier_pattern) @name
    (pair_pattern key: (_) @name value: (identifier) @alias)
  ])
  value: (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @module) .))
  (#eq? @_require "require")) @reference.import
(expression_statement
  (call_expression
    function: (identifier) @_require
    arguments: (arguments . (string (string_fragment) @module) .))
  (#eq? @_require "require")) @reference.import
(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @module))) @reference.import

; ---- local bindings that give a receiver its type: `const g = new Graph()` ----------------
(variable_declarator
  name: (identifier) @name
  value: (new_expression constructor: [(identifier) (member_expression)] @type)) @binding

; ---- test markers: the callee of a test block marks the block's entity --------------------
(call_expression
  function: [(identifier) @marker.test (member_expression object: (identifier) @marker.test)]
  arguments: (arguments
    . [(string) (template_string)] . [(arrow_function) (function_expression)])
  (#any-of? @marker.test
    "describe" "context" "suite" "it" "test" "specify" "fdescribe" "xdescribe" "fit" "xit"))
