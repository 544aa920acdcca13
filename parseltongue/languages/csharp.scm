; C#: namespaces, classes, interfaces, structs, enums, records, delegates, methods,
; constructors, local functions; calls, `new`, `using` directives, base lists, type uses,
; typed locals, xUnit/NUnit/MSTest markers.
; Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(namespace_declaration name: (_) @name body: (declaration_list) @body) @definition.namespace
; `namespace A.B;` holds the rest of the file, as a block namespace holds its body
((file_scoped_namespace_declaration name: (_) @name) @definition.namespace
  (#set! extent "following"))
(class_declaration name: (identifier) @name body: (declaration_list)? @body) @definition.class
(interface_declaration
  name: (identifier) @name body: (declaration_list)? @body) @definition.interface
(struct_declaration name: (identifier) @name body: (declaration_list)? @body) @definition.struct
(record_declaration "struct" name: (identifier) @name body: (declaration_list)? @body) @definition.struct
(record_declaration name: (identifier) @name body: (declaration_list)? @body) @definition.class
(enum_declaration
  name: (identifier) @name body: (enum_member_declaration_list)? @body) @definition.enum
(delegate_declaration name: (identifier) @name) @definition.type
; `void IDisposable.Dispose()` is qualified by its interface: `Handle.IDisposable.Dispose`
(method_declaration
  (explicit_interface_specifier . (_) @scope)
  name: (identifier) @name body: [(block) (arrow_expression_clause)]? @body) @definition.function
(method_declaration
  name: (identifier) @name body: [(block) (arrow_expression_clause)]? @body) @definition.function
(constructor_declaration
  name: (identifier) @name body: [(block) (arrow_expression_clause)]? @body) @definition.function
(local_function_statement
  name: (identifier) @name body: [(block) (arrow_expression_clause)]? @body) @definition.function
; `~Circle()` is the method .NET calls `Finalize`; an operator is named by its token (`+`)
((destructor_declaration body: [(block) (arrow_expression_clause)]? @body) @definition.function
  (#set! name "Finalize"))
(operator_declaration
  operator: _ @name body: [(block) (arrow_expression_clause)]? @body) @definition.function

; ---- calls: `f()`, `F<T>()`, `x.f()` / `Type.f()` (receiver), `new T()`, `new A.T<U>()` ----
(invocation_expression function: [
  (identifier) @name
  (generic_name (identifier) @name)
]) @reference.call
(invocation_expression function: (member_access_expression
  expression: (_) @receiver
  name: [(identifier) @name (generic_name (identifier) @name)])) @reference.call
(object_creation_expression type: [
  (identifier) @name
  (generic_name (identifier) @name)
  (qualified_name qualifier: (_) @scope name: [(identifier) @name (generic_name (identifier) @name)])
]) @reference.call

; ---- `using` directives: `using A.B;` (module A.B), `using X = A.B;` (alias X),
; `using static A.B;` (module A, name B)
((using_directive . [(identifier) (qualified_name)] @module .) @reference.import
  (#not-match? @reference.import "^(global\\s+)?using\\s+static"))
(using_directive
  name: (identifier) @alias . [(identifier) (qualified_name) (generic_name)] @module) @reference.import
(using_directive "static" [
  (identifier) @name
  (qualified_name qualifier: (_) @module name: (identifier) @name)
]) @reference.import

; ---- base lists: interfaces (`IName`) are implemented, classes extended; an interface's and
; a struct's bases are all interfaces ----------------------------------------------------------
$base_name = [
  (identifier) @name
  (generic_name (identifier) @name)
  (qualified_name qualifier: (_) @scope name: [(identifier) @name (generic_name (identifier) @name)])]
((class_declaration (base_list $base_name @reference.extends)) (#not-match? @name "^I[A-Z]"))
((class_declaration (base_list $base_name @reference.implements)) (#match? @name "^I[A-Z]"))
((record_declaration (base_list [$base_name
  (primary_constructor_base_type type: [(identifier) @name (generic_name (identifier) @name)])
] @reference.extends)) (#not-match? @name "^I[A-Z]"))
((record_declaration (base_list $base_name @reference.implements)) (#match? @name "^I[A-Z]"))
(interface_declaration (base_list $base_name @reference.extends))
(struct_declaration (base_list $base_name @reference.implements))

; ---- type uses: parameters, returns, fields, properties, declared locals, generic arguments -
([
  (parameter type: (identifier) @name)
  (parameter type: (generic_name (identifier) @name))
  (parameter type: (qualified_name qualifier: (_) @scope name: (identifier) @name))
  (method_declaration returns: (identifier) @name)
  (method_declaration returns: (generic_name (identifier) @name))
  (method_declaration returns: (qualified_name qualifier: (_) @scope name: (identifier) @name))
  (delegate_declaration type: (identifier) @name)
  (operator_declaration type: (identifier) @name)
  (property_declaration type: (identifier) @name)
  (property_declaration type: (generic_name (identifier) @name))
  (variable_declaration type: (identifier) @name)
  (variable_declaration type: (generic_name (identifier) @name))
  (variable_declaration type: (qualified_name qualifier: (_) @scope name: (identifier) @name))
  (type_argument_list (identifier) @name)
  (type_argument_list (generic_name (identifier) @name))
  (nullable_type type: (identifier) @name)
  (array_type type: (identifier) @name)
] @reference.type)

; ---- local bindings that give a receiver its type: `Graph g = ...`, `var g = new Graph()` ---
(variable_declaration
  type: [(identifier) @type (qualified_name) @type (generic_name . (identifier) @type)]
  (variable_declarator name: (identifier) @name)) @binding
(variable_declaration
  type: (implicit_type)
  (variable_declarator
    name: (identifier) @name
    (object_creation_expression
      type: [(identifier) @type (qualified_name) @type (generic_name . (identifier) @type)]))) @binding
(parameter
  type: [(identifier) @type (qualified_name) @type (generic_name . (identifier) @type)]
  name: (identifier) @name) @binding

; ---- test markers: xUnit `[Fact]`/`[Theory]`, NUnit `[Test]`/`[TestFixture]`, MSTest ------
((attribute_list (attribute name: [(identifier) @_name (qualified_name name: (identifier) @_name)]))
  @marker.test
  (#any-of? @_name "Test" "TestCase" "TestCaseSource" "TestFixture" "Fact" "Theory"
    "TestMethod" "DataTestMethod" "TestClass"))
