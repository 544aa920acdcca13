; TypeScript (.ts with the `typescript` grammar, .tsx with `tsx`): what only TypeScript has or
; spells differently. The registry rows append ecmascript.scm (shared with JavaScript) and, for
; TSX, jsx.scm. Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(abstract_class_declaration
  name: (type_identifier) @name body: (class_body) @body) @definition.class
(interface_declaration
  name: (type_identifier) @name body: (interface_body) @body) @definition.interface
(enum_declaration name: (identifier) @name body: (enum_body) @body) @definition.enum
; An object type given a name is an interface: its members are what a value of it has.
(type_alias_declaration
  name: (type_identifier) @name value: (object_type) @body) @definition.interface
(type_alias_declaration name: (type_identifier) @name) @definition.type
; `namespace A.B {}` is named `A.B`; `declare module 'x' {}` is named `x`.
(internal_module
  name: [(identifier) (nested_identifier)] @name
  body: (statement_block) @body) @definition.namespace
(module
  name: [(identifier) @name (nested_identifier) @name (string (string_fragment) @name)]
  body: (statement_block) @body) @definition.module
; Bodiless declarations: overloads, `declare function`, interface and abstract members.
; Overloads of one function or method are one callable: each signature is one entity with the
; same-named declarations right after it in its scope (the implementation, or the other
; signatures of a declaration file), spanning from the first signature (README.md).
((function_signature name: (identifier) @name) @definition.function
  (#set! overload "signature"))
; (An abstract member has no private name: `$member_name` is the names both may have.)
$member_name = [(string (string_fragment) @name) (property_identifier) @name (computed_property_name) @name]
((method_signature
  name: [$member_name (private_property_identifier) @name]) @definition.function
  (#set! overload "signature"))
((abstract_method_signature name: $member_name) @definition.function
  (#set! overload "signature"))
; Interface members that are functions by type (`then: (cb: F) => P`) or constructors
; (`new (message: string): AjaxError`).
(property_signature
  name: [(property_identifier) @name (string (string_fragment) @name)]
  type: (type_annotation (function_type))) @definition.function
((construct_signature "new" @name) @definition.function (#set! overload "signature"))
; Class fields holding functions: `handle = () => {}`, `static make = function () {}`.
(public_field_definition
  name: (_) @name
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]
) @definition.function

; ---- `class A extends B<T> implements C, ns.D`; `interface I extends J, K<T>` -------------
(extends_clause value: [
  (identifier) @name
  (member_expression object: (_) @scope property: (property_identifier) @name)
  (call_expression function: (identifier) @name)
] @reference.extends)
; `$type_name`: a type's name, maybe in a namespace (`ns.D`), maybe with arguments (`K<T>`).
$type_name = [
  (type_identifier) @name
  (nested_type_identifier module: (_) @scope name: (type_identifier) @name)
  (generic_type name: [
    (type_identifier) @name
    (nested_type_identifier module: (_) @scope name: (type_identifier) @name)])
]
(implements_clause $type_name @reference.implements)
(extends_type_clause type: $type_name @reference.extends)

; ---- imports only TypeScript has: `import fs = require('fs')`, `import A = NS.A` ----------
(import_statement
  (import_require_clause
    (identifier) @alias source: (string (string_fragment) @module))) @reference.import

; ---- type uses: annotations (parameters, returns, fields, variables), generic arguments,
; unions, arrays, constraints, aliases. A type in `implements`/`extends` is that reference.
([
  (type_annotation (type_identifier) @name)
  (type_annotation (nested_type_identifier module: (_) @scope name: (type_identifier) @name))
  (type_annotation (generic_type name: (type_identifier) @name))
  (type_annotation (generic_type
    name: (nested_type_identifier module: (_) @scope name: (type_identifier) @name)))
  (type_arguments (type_identifier) @name)
  (type_arguments (nested_type_identifier module: (_) @scope name: (type_identifier) @name))
  (type_arguments (generic_type name: (type_identifier) @name))
  (array_type (type_identifier) @name)
  (array_type (generic_type name: (type_identifier) @name))
  (union_type (type_identifier) @name)
  (union_type (nested_type_identifier module: (_) @scope name: (type_identifier) @name))
  (union_type (generic_type name: (type_identifier) @name))
  (intersection_type (type_identifier) @name)
  (intersection_type (generic_type name: (type_identifier) @name))
  (constraint (type_identifier) @name)
  (constraint (generic_type name: (type_identifier) @name))
  (default_type (type_identifier) @name)
  (function_type return_type: (type_identifier) @name)
  (function_type return_type: (generic_type name: (type_identifier) @name))
  (type_alias_declaration value: (type_identifier) @name)
  (type_alias_declaration value: (generic_type name: (type_identifier) @name))
  (tuple_type (type_identifier) @name)
  (parenthesized_type (type_identifier) @name)
  (readonly_type (type_identifier) @name)
  (as_expression (type_identifier) @name)
  (as_expression (generic_type name: (type_identifier) @name))
] @reference.type)

; ---- local bindings that give a receiver its type: `let g: Graph`, `(g: Graph) => ...`;
; a type or null/undefined (`x: Foo | undefined`) is that type. `$bound_type` is what a
; binding's annotation may hold (README.md, "Shapes").
$named_type = [(type_identifier) @type (nested_type_identifier) @type (generic_type name: (_) @type)]
$bound_type = [
  $named_type
  (union_type $named_type (literal_type [(null) (undefined)]))
  (union_type (literal_type [(null) (undefined)]) $named_type)]
(variable_declarator
  name: (identifier) @name
  type: (type_annotation $bound_type)) @binding
([(required_parameter pattern: (identifier) @name type: (type_annotation $bound_type))
  (optional_parameter pattern: (identifier) @name type: (type_annotation $bound_type))
] @binding)
; Class members given a type: a field `#cache: QueryCache` (a class-body binding), and a
; constructor's parameter property `constructor(private client: Client)`.
(public_field_definition
  name: [(property_identifier) (private_property_identifier)] @name
  type: (type_annotation $bound_type)) @binding
(method_definition
  name: (property_identifier) @_constructor
  parameters: (formal_parameters [
    (required_parameter
      [(accessibility_modifier) "readonly"] pattern: (identifier) @name
      type: (type_annotation $bound_type))
    (optional_parameter
      [(accessibility_modifier) "readonly"] pattern: (identifier) @name
      type: (type_annotation $bound_type))
  ] @binding.member)
  (#eq? @_constructor "constructor"))

; ---- callbacks: a function declares the types of its callbacks' parameters, and a callback
; given to it has them (extract/callbacks.py): `observable((destination) => ...)` where
; `observable(subscribe: (observer: Observer<T>) => TeardownLogic)`.
$callback_parameter_type = (type_annotation [
  (type_identifier) @name
  (generic_type name: (type_identifier) @name)
  (nested_type_identifier module: (_) @scope name: (type_identifier) @name)
  (generic_type name: (nested_type_identifier module: (_) @scope name: (type_identifier) @name))])
$callback_type = (type_annotation (function_type parameters: (formal_parameters
  [(required_parameter|optional_parameter type: $callback_parameter_type)])) @callback)
(formal_parameters
  [(required_parameter|optional_parameter type: $callback_type)]) @reference.member_type
(call_expression
  function: [(identifier) (member_expression)] @result
  arguments: (arguments [
    (arrow_function
      parameters: (formal_parameters (required_parameter pattern: (identifier) @name !type) @binding)) @callback
    (arrow_function parameter: (identifier) @name @binding) @callback
    (function_expression
      parameters: (formal_parameters (required_parameter pattern: (identifier) @name !type) @binding)) @callback
  ]))

; ---- call results: a function's declared result type, and a name bound to a call's result
; (`const q = cache.build()`, `const r = await load()`): the callee's result type.
$result_type = (type_annotation [
  (type_identifier) @name
  (generic_type name: (type_identifier) @name)
  (nested_type_identifier module: (_) @scope name: (type_identifier) @name)])
(function_declaration|method_definition|arrow_function|function_expression|function_signature|method_signature|abstract_method_signature
  return_type: $result_type) @reference.returns
(variable_declarator
  name: (identifier) @name
  !type
  value: [
    (call_expression function: [(identifier) (member_expression)] @result)
    (await_expression (call_expression function: [(identifier) (member_expression)] @result))
    (non_null_expression (call_expression function: [(identifier) (member_expression)] @result))
    (await_expression (non_null_expression
      (call_expression function: [(identifier) (member_expression)] @result)))
  ]) @binding
