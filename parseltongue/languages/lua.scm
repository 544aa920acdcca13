; Lua: functions (global, local, `M.f`, `M:m`), calls and `require`.
; Added from data alone (lua.toml and this file): no Python knows about Lua.

(function_declaration
  name: (identifier) @name
  body: (block)? @body) @definition.function

; `function M.f()` and `function M:m()`: out-of-line members of the table `M`.
(function_declaration
  name: (dot_index_expression
    table: (identifier) @scope
    field: (identifier) @name)
  body: (block)? @body) @definition.function

(function_declaration
  name: (method_index_expression
    table: (identifier) @scope
    method: (identifier) @name)
  body: (block)? @body) @definition.method

; `local t = require("a.b")`: the module `a.b` bound to `t`.
(variable_declaration
  (assignment_statement
    (variable_list name: (identifier) @alias)
    (expression_list
      value: (function_call
        name: (identifier) @_require
        arguments: (arguments (string content: (string_content) @module)))))
  (#eq? @_require "require")) @reference.import

(function_call
  name: (identifier) @name) @reference.call

(function_call
  name: (dot_index_expression
    table: (_) @receiver
    field: (identifier) @name)) @reference.call

(function_call
  name: (method_index_expression
    table: (_) @receiver
    method: (identifier) @name)) @reference.call
