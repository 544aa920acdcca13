; Swift: types, extensions, functions, initializers, calls, imports, inheritance and protocol
; conformance, type uses, bindings, XCTest and Swift Testing markers.
; Capture names are explained in README.md beside this file.

; ---- definitions: the grammar spells class, struct, enum, actor and extension alike --------
(class_declaration
  declaration_kind: ["class" "actor"]
  name: (type_identifier) @name body: (_) @body) @definition.class
(class_declaration
  declaration_kind: "struct" name: (type_identifier) @name body: (_) @body) @definition.struct
(class_declaration
  declaration_kind: "enum" name: (type_identifier) @name body: (_) @body) @definition.enum
; `extension Circle: P {}` is an `impl` named after the extended type, so its methods are
; `Circle.method`; `extension Outer.Inner` is `Inner` scoped by `Outer` (`Outer.Inner.method`).
(class_declaration
  declaration_kind: "extension"
  name: (user_type (type_identifier) @scope . (type_identifier) @name .)
  body: (_) @body) @definition.impl
(class_declaration
  declaration_kind: "extension"
  name: (user_type (type_identifier) @name .)
  body: (_) @body) @definition.impl
(protocol_declaration
  name: (type_identifier) @name body: (protocol_body) @body) @definition.protocol
(function_declaration
  name: [(simple_identifier) (custom_operator)] @name body: (function_body) @body
) @definition.function
(protocol_function_declaration
  name: [(simple_identifier) (custom_operator)] @name) @definition.function
(init_declaration "init" @name body: (function_body)? @body) @definition.function
(deinit_declaration "deinit" @name body: (function_body) @body) @definition.function
(subscript_declaration "subscript" @name) @definition.function
(typealias_declaration name: (type_identifier) @name) @definition.type
(associatedtype_declaration name: (type_identifier) @name) @definition.type

; ---- calls: `f()`, `Circle(r: 1)` (construction is a call of the type), `x.f()`,
; `Type.f()` (a receiver too: Swift does not tell a type from a value by syntax) ------------
(call_expression . (simple_identifier) @name) @reference.call
(call_expression
  .
  (navigation_expression
    target: (_) @receiver
    suffix: (navigation_suffix suffix: (simple_identifier) @name))) @reference.call

; ---- imports: `import Foundation`, `@testable import App`, `import struct Lib.Type` --------
(import_declaration (identifier) @module) @reference.import

; A user type's own name (`Graph` in `Graph<T>`), a shape (README.md, "Shapes").
$user_type = (user_type . (type_identifier) @name)

; ---- inheritance: a class's first entry is its superclass (or a protocol: syntax cannot
; tell); later entries, and every entry of a struct, enum, actor or extension, are protocol
; conformances; a protocol's entries are the protocols it refines. ------------------------
(class_declaration
  declaration_kind: "class"
  name: (_)
  .
  (type_parameters)?
  .
  (inheritance_specifier inherits_from: $user_type) @reference.extends)
(class_declaration
  declaration_kind: "class"
  (inheritance_specifier)
  .
  (inheritance_specifier
    inherits_from: $user_type) @reference.implements)
(class_declaration
  declaration_kind: ["struct" "enum" "actor" "extension"]
  (inheritance_specifier
    inherits_from: $user_type) @reference.implements)
(protocol_declaration
  (inheritance_specifier
    inherits_from: $user_type) @reference.extends)

; ---- type uses: parameters, returns, properties, generic arguments and constraints --------
([
  (parameter|type_annotation|function_declaration|protocol_function_declaration $user_type)
  (optional_type|array_type|dictionary_type|type_arguments|typealias_declaration $user_type)
  (tuple_type_item|type_parameter|inheritance_constraint|equality_constraint $user_type)
] @reference.type)

; ---- local bindings that give a receiver its type: `let g = Graph()`, `var g: Graph`,
; parameters `(g: Graph)`. A call binds a type only when the callee is capitalised. --------
(property_declaration
  name: (pattern bound_identifier: (simple_identifier) @name)
  (type_annotation (user_type . (type_identifier) @type))) @binding
(property_declaration
  name: (pattern bound_identifier: (simple_identifier) @name)
  value: (call_expression . (simple_identifier) @type)
  (#match? @type "^[A-Z]")) @binding
(parameter name: (simple_identifier) @name (user_type . (type_identifier) @type)) @binding

; ---- test markers: XCTestCase subclasses and their `test...` methods, Swift Testing --------
(class_declaration
  (inheritance_specifier inherits_from: (user_type (type_identifier) @marker.test))
  (#any-of? @marker.test "XCTestCase" "QuickSpec"))
(class_declaration
  (inheritance_specifier inherits_from: (user_type (type_identifier) @_base))
  body: (class_body (function_declaration name: (simple_identifier) @marker.test))
  (#any-of? @_base "XCTestCase")
  (#match? @marker.test "^test"))
(modifiers
  (attribute (user_type (type_identifier) @_attr))
  (#any-of? @_attr "Test" "Suite")) @marker.test
