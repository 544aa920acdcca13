; Kotlin: package, classes, interfaces, enums, objects and companions, functions (extension
; functions qualified by their receiver type), type aliases; calls and constructor calls,
; imports, supertypes, type uses, typed locals, JUnit/kotlin.test markers.
; Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
; the header node runs on over the blank lines after it: the name alone is the entity
(package_header (identifier) @name @definition.namespace)
(class_declaration "interface" (type_identifier) @name (class_body)? @body) @definition.interface
(class_declaration "enum" (type_identifier) @name (enum_class_body)? @body) @definition.enum
(class_declaration (type_identifier) @name [(class_body) (enum_class_body)]? @body) @definition.class
(object_declaration (type_identifier) @name (class_body)? @body) @definition.class
(companion_object (type_identifier) @name (class_body)? @body) @definition.class
; an unnamed companion object is called `Companion`, as in Kotlin itself
((companion_object (class_body)? @body) @definition.class (#set! name "Companion"))
(function_declaration
  (receiver_type [
    (user_type (type_identifier) @scope . (type_arguments)? .)
    (nullable_type (user_type (type_identifier) @scope . (type_arguments)? .))])
  (simple_identifier) @name
  (function_body)? @body) @definition.function
(function_declaration (simple_identifier) @name (function_body)? @body) @definition.function
(secondary_constructor "constructor" @name "{"? @body) @definition.function
(type_alias (type_identifier) @name) @definition.type

; ---- calls: `f()` and constructors `Graph()`, `x.f()` / `pkg.Graph()` (receiver) ----------
(call_expression (simple_identifier) @name) @reference.call
(call_expression
  (navigation_expression . (_) @receiver . (navigation_suffix (simple_identifier) @name))) @reference.call

; ---- imports: `import a.b.C` (module a.b, name C), `import a.b.C as D`, `import a.b.*` -------
(import_header (identifier (simple_identifier) @name .) @module .) @reference.import
(import_header
  (identifier (simple_identifier) @name .) @module
  (import_alias (type_identifier) @alias)) @reference.import
(import_header (identifier) @module (wildcard_import) @name) @reference.import

; ---- supertypes: a constructor call names the superclass, a bare type an interface ---------
(delegation_specifier
  (constructor_invocation
    (user_type (type_identifier) @name . (type_arguments)? .)) @reference.extends)
(class_declaration "interface"
  (delegation_specifier (user_type (type_identifier) @name . (type_arguments)? .) @reference.extends))
(class_declaration "class"
  (delegation_specifier
    (user_type (type_identifier) @name . (type_arguments)? .) @reference.implements))
(object_declaration
  (delegation_specifier
    (user_type (type_identifier) @name . (type_arguments)? .) @reference.implements))

; ---- type uses: parameters, returns, properties, generic arguments, aliases ----------------
([
  (parameter (user_type (type_identifier) @name . (type_arguments)? .))
  (class_parameter (user_type (type_identifier) @name . (type_arguments)? .))
  (function_declaration (user_type (type_identifier) @name . (type_arguments)? .))
  (variable_declaration (user_type (type_identifier) @name . (type_arguments)? .))
  (type_projection (user_type (type_identifier) @name . (type_arguments)? .))
  (nullable_type (user_type (type_identifier) @name . (type_arguments)? .))
  (type_alias (user_type (type_identifier) @name . (type_arguments)? .))
] @reference.type)

; ---- local bindings that give a receiver its type: `val g: Graph`, `val g = Graph()` -------
(property_declaration
  (variable_declaration
    (simple_identifier) @name
    [
      (user_type (type_identifier) @type . (type_arguments)? .)
      (nullable_type (user_type (type_identifier) @type . (type_arguments)? .))
    ])) @binding
((property_declaration
  (variable_declaration (simple_identifier) @name .)
  (call_expression [(simple_identifier) (navigation_expression)] @type)) @binding
  (#match? @type "(^|[.])[A-Z][A-Za-z0-9_]*$"))
(parameter
  (simple_identifier) @name
  [
    (user_type (type_identifier) @type . (type_arguments)? .)
    (nullable_type (user_type (type_identifier) @type . (type_arguments)? .))
  ]) @binding

; ---- test markers: JUnit / kotlin.test annotations, JUnit 3 `TestCase` subclasses ---------
([
  (annotation (user_type (type_identifier) @_name .))
  (annotation (constructor_invocation (user_type (type_identifier) @_name .)))
] @marker.test
  (#any-of? @_name "Test" "ParameterizedTest" "RepeatedTest" "TestFactory" "TestTemplate"))
(delegation_specifier
  (constructor_invocation (user_type (type_identifier) @_base .)) @marker.test
  (#match? @_base "TestCase$"))
