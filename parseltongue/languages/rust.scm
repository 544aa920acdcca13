; Rust: items, calls, macros, `use` trees, trait impls and bounds, type uses, let bindings,
; test markers. Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(function_item name: (identifier) @name body: (block) @body) @definition.function
(function_signature_item name: (identifier) @name) @definition.function
(struct_item name: (type_identifier) @name body: (_)? @body) @definition.struct
(union_item name: (type_identifier) @name body: (_) @body) @definition.struct
(enum_item name: (type_identifier) @name body: (_) @body) @definition.enum
(trait_item name: (type_identifier) @name body: (_) @body) @definition.trait
(impl_item
  type: [
    (type_identifier) @name
    (scoped_type_identifier name: (type_identifier) @name)
    (generic_type type: [
      (type_identifier) @name
      (scoped_type_identifier name: (type_identifier) @name)])
  ]
  body: (_)? @body) @definition.impl
; `impl Trait for &T`, `for [T]`, `for (A, B)`: named after the whole type
(impl_item type: (_) @name body: (_)? @body) @definition.impl
(mod_item name: (identifier) @name body: (_)? @body) @definition.module
(macro_definition name: (identifier) @name) @definition.macro
(const_item name: (identifier) @name) @definition.const
(static_item name: (identifier) @name) @definition.const
(type_item name: (type_identifier) @name) @definition.type
(associated_type name: (type_identifier) @name) @definition.type

; ---- calls: free, associated `Type::f()`, method `x.f()`, turbofish, struct literals -------
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (scoped_identifier path: (_) @scope name: (identifier) @name)) @reference.call
(call_expression
  function: (field_expression value: (_) @receiver field: (field_identifier) @name)) @reference.call
(call_expression
  function: (generic_function function: (identifier) @name)) @reference.call
(call_expression
  function: (generic_function
    function: (scoped_identifier path: (_) @scope name: (identifier) @name))) @reference.call
(call_expression
  function: (generic_function
    function: (field_expression value: (_) @receiver field: (field_identifier) @name))) @reference.call
(struct_expression name: (type_identifier) @name) @reference.call
(struct_expression
  name: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name)) @reference.call
(macro_invocation macro: (identifier) @name) @reference.macro
(macro_invocation
  macro: (scoped_identifier path: (_) @scope name: (identifier) @name)) @reference.macro

; ---- `use` trees: @module is the path before the imported name ---------------------------
(use_declaration argument: (identifier) @name) @reference.import
(use_declaration
  argument: (scoped_identifier path: (_) @module name: (identifier) @name)) @reference.import
(use_declaration
  argument: (use_as_clause
    path: (scoped_identifier path: (_) @module name: (identifier) @name)
    alias: (identifier) @alias)) @reference.import
(use_declaration
  argument: (use_as_clause path: (identifier) @name alias: (identifier) @alias)) @reference.import
(use_declaration argument: (use_wildcard (_) @module "*" @name)) @reference.import
(scoped_use_list
  path: (_) @module
  list: (use_list [(identifier) (self)] @name)) @reference.import
(scoped_use_list
  path: (_) @module
  list: (use_list (scoped_identifier path: (_) @scope name: (identifier) @name))) @reference.import
(scoped_use_list
  path: (_) @module
  list: (use_list (use_as_clause path: (identifier) @name alias: (identifier) @alias))) @reference.import
(scoped_use_list
  path: (_) @module
  list: (use_list (use_as_clause
    path: (scoped_identifier path: (_) @scope name: (identifier) @name)
    alias: (identifier) @alias))) @reference.import
(scoped_use_list path: (_) @module list: (use_list (use_wildcard "*" @name))) @reference.import

; ---- `impl Trait for T` and supertraits `trait A: B` --------------------------------------
(impl_item
  trait: [
    (type_identifier) @name
    (scoped_type_identifier path: (_) @scope name: (type_identifier) @name)
    (generic_type type: [
      (type_identifier) @name
      (scoped_type_identifier path: (_) @scope name: (type_identifier) @name)])
  ] @reference.implements)
(trait_item
  bounds: (trait_bounds [
    (type_identifier) @name
    (scoped_type_identifier path: (_) @scope name: (type_identifier) @name)
    (generic_type type: (type_identifier) @name)
  ] @reference.extends))

; ---- type uses: parameters, returns, fields, lets, generic arguments and bounds -----------
([
  (parameter type: (type_identifier) @name)
  (parameter type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (function_item return_type: (type_identifier) @name)
  (function_item
    return_type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (function_signature_item return_type: (type_identifier) @name)
  (function_signature_item
    return_type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (field_declaration type: (type_identifier) @name)
  (field_declaration type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (let_declaration type: (type_identifier) @name)
  (reference_type type: (type_identifier) @name)
  (reference_type type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (generic_type type: (type_identifier) @name)
  (generic_type type: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (type_arguments (type_identifier) @name)
  (type_arguments (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (type_parameter bounds: (trait_bounds (type_identifier) @name))
  (where_predicate bounds: (trait_bounds (type_identifier) @name))
  (dynamic_type trait: (type_identifier) @name)
  (dynamic_type trait: (scoped_type_identifier path: (_) @scope name: (type_identifier) @name))
  (abstract_type trait: (type_identifier) @name)
  (array_type element: (type_identifier) @name)
  (ordered_field_declaration_list type: (type_identifier) @name)
] @reference.type)

; ---- local bindings that give a receiver its type ------------------------------------------
(let_declaration
  pattern: (identifier) @name
  type: [(type_identifier) (scoped_type_identifier) (generic_type)] @type) @binding
(let_declaration
  pattern: (identifier) @name
  value: (call_expression function: (scoped_identifier path: (_) @type))) @binding
(let_declaration
  pattern: (identifier) @name value: (struct_expression name: (_) @type)) @binding
(parameter
  pattern: (identifier) @name
  type: [(type_identifier) (scoped_type_identifier) (generic_type)] @type) @binding
(parameter
  pattern: (identifier) @name
  type: (reference_type type: [(type_identifier) (scoped_type_identifier) (generic_type)] @type)) @binding

; ---- test markers: #[test], #[tokio::test] and friends, #[bench], #[cfg(test)] ------------
(attribute_item
  (attribute [
    (identifier) @_attr
    (scoped_identifier name: (identifier) @_attr)
  ] (#any-of? @_attr "test" "bench" "rstest" "quickcheck"))) @marker.test
(attribute_item
  (attribute (identifier) @_cfg (#eq? @_cfg "cfg")
    arguments: (token_tree . (identifier) @_test . (#eq? @_test "test")))) @marker.test
