; C: function definitions, structs, unions, enums, typedefs, macros, calls, #include, type
; uses, typed local bindings, `test_*` functions. Capture names are explained in README.md.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(function_definition
  declarator: [
    (function_declarator declarator: (identifier) @name)
    (pointer_declarator declarator: (function_declarator declarator: (identifier) @name))
    (pointer_declarator declarator: (pointer_declarator
      declarator: (function_declarator declarator: (identifier) @name)))
  ]
  body: (_) @body) @definition.function
(struct_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_) @body) @definition.enum
; `typedef struct { ... } Vec2;`: the anonymous struct is named by its typedef
(type_definition
  type: (struct_specifier !name body: (_) @body)
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (union_specifier !name body: (_) @body)
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (enum_specifier !name body: (_) @body)
  declarator: (type_identifier) @name) @definition.enum
; `typedef struct Node { ... } Node_t;`: the alias is its own (one-name) entity beside the struct
(type_definition
  type: [(struct_specifier name: (_) body: (_)) (union_specifier name: (_) body: (_))
         (enum_specifier name: (_) body: (_))]
  declarator: (type_identifier) @name @definition.type)
(type_definition
  type: [(primitive_type) (type_identifier) (sized_type_specifier)
         (struct_specifier !body) (union_specifier !body) (enum_specifier !body)]
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
    (function_declarator declarator: (parenthesized_declarator
      (pointer_declarator declarator: (type_identifier) @name)))
  ]) @definition.type
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; ---- calls: `f()`, calls through a struct field `ops->read()` ------------------------------
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (field_expression argument: (_) @receiver field: (field_identifier) @name)) @reference.call

; ---- #include "a/b.h" and <math.h>: the header is the module --------------------------------
(preproc_include path: (string_literal (string_content) @module)) @reference.import
(preproc_include path: (system_lib_string) @module) @reference.import

; ---- type uses: `struct X` without a body anywhere, named types in signatures and fields ---
(struct_specifier name: (type_identifier) @name !body) @reference.type
(union_specifier name: (type_identifier) @name !body) @reference.type
(enum_specifier name: (type_identifier) @name !body) @reference.type
([
  (parameter_declaration type: (type_identifier) @name)
  (function_definition type: (type_identifier) @name)
  (field_declaration type: (type_identifier) @name)
  (type_definition type: (type_identifier) @name)
  (declaration type: (type_identifier) @name)
] @reference.type)

; ---- typed locals and parameters give a receiver its type: `struct Registry *r`, `Vec2 v` -
$bound_type = [(type_identifier) @type (struct_specifier name: (_) @type)
               (union_specifier name: (_) @type)]
$declared_name = [(identifier) @name (pointer_declarator declarator: (identifier) @name)]
(declaration
  type: $bound_type
  declarator: [$declared_name (init_declarator declarator: $declared_name)]) @binding
(parameter_declaration type: $bound_type declarator: $declared_name) @binding

; ---- test markers: Unity/CMocka-style `void test_x(void)` ----------------------------------
(function_definition
  declarator: (function_declarator
    declarator: (identifier) @marker.test (#match? @marker.test "^test_")))
