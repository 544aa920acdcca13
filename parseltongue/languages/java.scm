; Java: package, classes, interfaces, enums, records, annotation types, methods and
; constructors; calls, `new`, imports, extends/implements, type uses, typed locals, JUnit markers.
; Capture names are explained in README.md beside this file.

; ---- shapes used below (README.md, "Shapes") ------------------------------------------------
; A type's name, maybe qualified (`a.T`), maybe with arguments (`T<U>`).
$type_name = [
  (type_identifier) @name
  (scoped_type_identifier . (_) @scope . (type_identifier) @name .)
  (generic_type . [
    (type_identifier) @name
    (scoped_type_identifier . (_) @scope . (type_identifier) @name .)])
]
; What a binding's type may be; a generic type gives its bare name (`List<T> xs` -> `List`),
; which resolution can look up.
$bound_type = [
  (type_identifier) @type
  (scoped_type_identifier) @type
  (generic_type . [(type_identifier) (scoped_type_identifier)] @type)]

; ---- definitions ----------------------------------------------------------------------------
(package_declaration [(identifier) (scoped_identifier)] @name) @definition.namespace
(class_declaration name: (identifier) @name body: (class_body) @body) @definition.class
(record_declaration name: (identifier) @name body: (class_body) @body) @definition.class
(interface_declaration name: (identifier) @name body: (interface_body) @body) @definition.interface
(annotation_type_declaration
  name: (identifier) @name body: (annotation_type_body) @body) @definition.interface
(enum_declaration name: (identifier) @name body: (enum_body) @body) @definition.enum
(method_declaration name: (identifier) @name body: (block)? @body) @definition.function
(constructor_declaration
  name: (identifier) @name body: (constructor_body) @body) @definition.function
(compact_constructor_declaration name: (identifier) @name body: (block) @body) @definition.function
(annotation_type_element_declaration name: (identifier) @name) @definition.function

; ---- calls: `f()`, `x.f()` / `Type.f()` (receiver), `new T()`, `new a.T<>()` ----------------
(method_invocation !object name: (identifier) @name) @reference.call
(method_invocation object: (_) @receiver name: (identifier) @name) @reference.call
(object_creation_expression type: $type_name) @reference.call

; ---- imports: `import a.b.C;` (module a.b, name C), `import a.b.*;`, `import static a.B.m;` --
(import_declaration (scoped_identifier scope: (_) @module name: (identifier) @name) .) @reference.import
(import_declaration (scoped_identifier) @module (asterisk) @name) @reference.import

; ---- extends / implements -------------------------------------------------------------------
(superclass $type_name @reference.extends)
(extends_interfaces (type_list $type_name @reference.extends))
(super_interfaces (type_list $type_name @reference.implements))

; ---- type uses in signatures and fields: parameters, returns, throws, generic arguments -----
([
  (formal_parameter type: (type_identifier) @name)
  (formal_parameter type: (scoped_type_identifier . (_) @scope . (type_identifier) @name .))
  (formal_parameter type: (generic_type . (type_identifier) @name))
  (spread_parameter (type_identifier) @name)
  (method_declaration type: (type_identifier) @name)
  (method_declaration type: (scoped_type_identifier . (_) @scope . (type_identifier) @name .))
  (method_declaration type: (generic_type . (type_identifier) @name))
  (field_declaration type: (type_identifier) @name)
  (field_declaration type: (scoped_type_identifier . (_) @scope . (type_identifier) @name .))
  (field_declaration type: (generic_type . (type_identifier) @name))
  (array_type element: (type_identifier) @name)
  (throws (type_identifier) @name)
  (type_arguments (type_identifier) @name)
  (type_arguments (generic_type . (type_identifier) @name))
  (type_bound (type_identifier) @name)
] @reference.type)

; ---- local bindings that give a receiver its type: `Graph g = ...`, `var g = new Graph()`
((local_variable_declaration
  type: $bound_type
  declarator: (variable_declarator name: (identifier) @name)) @binding
  (#not-eq? @type "var"))
((local_variable_declaration
  type: (type_identifier) @_var
  declarator: (variable_declarator
    name: (identifier) @name
    value: (object_creation_expression type: $bound_type))) @binding
  (#eq? @_var "var"))
(formal_parameter
  type: $bound_type
  name: (identifier) @name) @binding

; ---- test markers: JUnit 4/5 and TestNG annotations, JUnit 3 `extends TestCase` ------------
([(marker_annotation name: (identifier) @_name) (annotation name: (identifier) @_name)]
  @marker.test
  (#any-of? @_name "Test" "ParameterizedTest" "RepeatedTest" "TestFactory" "TestTemplate"))
(superclass [(type_identifier) (scoped_type_identifier)] @marker.test
  (#match? @marker.test "TestCase$"))
