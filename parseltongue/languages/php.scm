; PHP: namespaces, classes, interfaces, traits, enums, functions, methods; calls (free,
; `$x->f()`, `A::f()`, `new X()`), `use` imports, extends/implements/trait use, type uses,
; `$x = new X()` bindings, PHPUnit tests. Capture names are explained in README.md.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(namespace_definition name: (namespace_name) @name body: (compound_statement) @body) @definition.namespace
; `namespace App\Shapes;` holds the rest of the file (up to the next namespace statement)
((namespace_definition name: (namespace_name) @name !body) @definition.namespace
  (#set! extent "following"))
(class_declaration name: (name) @name body: (_) @body) @definition.class
(interface_declaration name: (name) @name body: (_) @body) @definition.interface
(trait_declaration name: (name) @name body: (_) @body) @definition.trait
(enum_declaration name: (name) @name body: (_) @body) @definition.enum
(function_definition name: (name) @name body: (_) @body) @definition.function
(method_declaration name: (name) @name body: (_)? @body) @definition.function

; ---- calls: `f()`, `\A\f()`, `$x->f()`, `$x?->f()`, `A::f()`, `new A()` -------------------
(function_call_expression function: (name) @name) @reference.call
(function_call_expression
  function: (qualified_name prefix: (_) @scope (name) @name .)) @reference.call
(member_call_expression object: (_) @receiver name: (name) @name) @reference.call
(nullsafe_member_call_expression object: (_) @receiver name: (name) @name) @reference.call
(scoped_call_expression scope: (_) @scope name: (name) @name) @reference.call
(object_creation_expression (name) @name) @reference.call
(object_creation_expression (qualified_name prefix: (_) @scope (name) @name .)) @reference.call

; ---- `use A\B\C;`, `use A\B\C as D;`, `use A\B\{C, D as E};`, `use function A\f;` ---------
(namespace_use_declaration
  (namespace_use_clause . [
    (name) @name
    (qualified_name prefix: (_) @module (name) @name .)
  ] alias: (name)? @alias) @reference.import)
(namespace_use_declaration
  (namespace_name) @module
  body: (namespace_use_group
    (namespace_use_clause . [
      (name) @name
      (qualified_name prefix: (_) @scope (name) @name .)
    ] alias: (name)? @alias) @reference.import))

; ---- extends, implements, trait `use` ------------------------------------------------------
(base_clause [
  (name) @name
  (qualified_name prefix: (_) @scope (name) @name .)
] @reference.extends)
(class_interface_clause [
  (name) @name
  (qualified_name prefix: (_) @scope (name) @name .)
] @reference.implements)
(use_declaration [
  (name) @name
  (qualified_name prefix: (_) @scope (name) @name .)
] @reference.implements)

; ---- type uses: parameter, return and property types --------------------------------------
(named_type (name) @name (#not-match? @name "^(self|static|parent)$")) @reference.type
(named_type (qualified_name prefix: (_) @scope (name) @name .)) @reference.type

; ---- `$g = new Graph()` and typed parameters give a receiver its class ---------------------
(assignment_expression
  left: (variable_name) @name
  right: (object_creation_expression [(name) (qualified_name)] @type)) @binding
([
  (simple_parameter type: (named_type [(name) (qualified_name)] @type) name: (variable_name) @name)
  (property_promotion_parameter
    type: (named_type [(name) (qualified_name)] @type) name: (variable_name) @name)
] @binding)

; ---- test markers: PHPUnit `testX` methods, `#[Test]`, classes extending TestCase ----------
(method_declaration name: (name) @marker.test (#match? @marker.test "^test"))
(attribute [(name) (qualified_name)] @marker.test (#match? @marker.test "(^|\\\\)Test$"))
(base_clause [(name) (qualified_name)] @marker.test (#match? @marker.test "TestCase$"))
