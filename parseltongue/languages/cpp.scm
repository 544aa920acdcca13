; C++: functions, methods (in-class and out-of-line `Foo::bar`, qualified by `@scope`),
; classes, structs, unions, enums, namespaces, typedefs/aliases, macros, gtest `TEST(...)`;
; calls, `new X()`, #include and `using`, base classes, type uses, typed bindings.
; Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
; gtest: `TEST(Suite, Name) {` is the method Suite::Name (the macro makes a test class)
(function_definition
  declarator: (function_declarator
    declarator: (identifier) @_macro
    parameters: (parameter_list . (parameter_declaration) @scope . (parameter_declaration) @name .))
  body: (_) @body
  (#any-of? @_macro "TEST" "TEST_F" "TEST_P" "TYPED_TEST" "TYPED_TEST_P" "FRIEND_TEST")) @definition.function
(function_definition
  declarator: [
    (function_declarator declarator: [
      (identifier) @name
      (field_identifier) @name
      (destructor_name) @name
      (operator_name) @name
      (qualified_identifier
        scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name)
      (qualified_identifier name: (qualified_identifier
        scope: (_) @scope name: [(identifier) (destructor_name) (operator_name)] @name))
    ])
    (pointer_declarator declarator: (function_declarator declarator: [
      (identifier) @name
      (field_identifier) @name
      (operator_name) @name
      (qualified_identifier scope: (_) @scope name: [(identifier) (operator_name)] @name)
    ]))
    (reference_declarator (function_declarator declarator: [
      (identifier) @name
      (field_identifier) @name
      (operator_name) @name
      (qualified_identifier scope: (_) @scope name: [(identifier) (operator_name)] @name)
    ]))
  ]
  body: (_)? @body) @definition.function
; a pure virtual method `virtual double area() const = 0;` has no other definition
(field_declaration
  declarator: (function_declarator declarator: (field_identifier) @name)
  default_value: (number_literal)) @definition.function
(class_specifier
  name: [(type_identifier) @name (template_type name: (type_identifier) @name)]
  body: (_) @body) @definition.class
(struct_specifier
  name: [(type_identifier) @name (template_type name: (type_identifier) @name)]
  body: (_) @body) @definition.struct
(union_specifier name: (type_identifier) @name body: (_) @body) @definition.struct
(enum_specifier name: (type_identifier) @name body: (_) @body) @definition.enum
; `namespace a::b {` is the namespace b inside a (ctags also names a here; one node, one entity)
(namespace_definition
  name: [
    (nested_namespace_specifier (namespace_identifier) @scope . (namespace_identifier) @name .)
    (nested_namespace_specifier (nested_namespace_specifier
      (namespace_identifier) @scope . (namespace_identifier) @name .))
  ]
  body: (_) @body) @definition.namespace
(namespace_definition name: (namespace_identifier) @name body: (_) @body) @definition.namespace
; `typedef struct { ... } Vec2;`: the anonymous struct is named by its typedef
(type_definition
  type: [(struct_specifier !name body: (_) @body) (class_specifier !name body: (_) @body)]
  declarator: (type_identifier) @name) @definition.struct
(type_definition
  type: (enum_specifier !name body: (_) @body)
  declarator: (type_identifier) @name) @definition.enum
(type_definition
  type: [(primitive_type) (type_identifier) (sized_type_specifier) (qualified_identifier)
         (template_type) (struct_specifier !body) (class_specifier !body)
         (enum_specifier !body)]
  declarator: [
    (type_identifier) @name
    (pointer_declarator declarator: (type_identifier) @name)
  ]) @definition.type
(alias_declaration name: (type_identifier) @name) @definition.type
(preproc_def name: (identifier) @name) @definition.macro
(preproc_function_def name: (identifier) @name) @definition.macro

; ---- calls: free, `Type::f()`, `x.f()`/`p->f()`, templates, `new X()`, `X x(args)` --------
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (qualified_identifier scope: (_) @scope name: (identifier) @name)) @reference.call
(call_expression
  function: (qualified_identifier
    name: (qualified_identifier scope: (_) @scope name: (identifier) @name))) @reference.call
(call_expression
  function: (field_expression argument: (_) @receiver field: (field_identifier) @name)) @reference.call
(call_expression
  function: (template_function name: (identifier) @name)
  (#not-match? @name "^(static|dynamic|reinterpret|const)_cast$")) @reference.call
(call_expression
  function: (qualified_identifier
    scope: (_) @scope name: (template_function name: (identifier) @name))) @reference.call
(new_expression type: (type_identifier) @name) @reference.call
(new_expression
  type: (qualified_identifier scope: (_) @scope name: (type_identifier) @name)) @reference.call
(declaration
  type: (type_identifier) @name
  declarator: (init_declarator value: (argument_list))) @reference.call

; ---- #include, `using a::b::C;` (module a::b, name C), `using namespace std;` ------------
(preproc_include path: (string_literal (string_content) @module)) @reference.import
(preproc_include path: (system_lib_string) @module) @reference.import
(using_declaration
  (qualified_identifier scope: (_) @module name: (identifier) @name)) @reference.import
(using_declaration
  (qualified_identifier
    scope: (_) @module
    name: (qualified_identifier scope: (_) @scope name: (identifier) @name))) @reference.import
(using_declaration "namespace" [(identifier) (qualified_identifier)] @module) @reference.import

; ---- gtest: `TEST_F(Fixture, Name)` (TEST_P, TYPED_TEST, TYPED_TEST_P) runs its body in a
; subclass of the fixture: the test extends it, and sees its members by bare name ---------
(function_definition
  declarator: (function_declarator
    declarator: (identifier) @_macro
    parameters: (parameter_list . (parameter_declaration type: (type_identifier) @name)))
  (#any-of? @_macro "TEST_F" "TEST_P" "TYPED_TEST" "TYPED_TEST_P")) @reference.extends

; ---- base classes: `class A : public B, ns::C, D<T>` ---------------------------------------
(base_class_clause [
  (type_identifier) @name
  (qualified_identifier scope: (_) @scope name: (type_identifier) @name)
  (qualified_identifier name: (qualified_identifier scope: (_) @scope name: (type_identifier) @name))
  (template_type name: (type_identifier) @name)
  (qualified_identifier scope: (_) @scope name: (template_type name: (type_identifier) @name))
] @reference.extends)

; ---- type uses: parameters, returns, fields, template arguments, `class X` without body --
(struct_specifier name: (type_identifier) @name !body) @reference.type
(class_specifier name: (type_identifier) @name !body) @reference.type
(enum_specifier name: (type_identifier) @name !body) @reference.type
([
  (parameter_declaration type: (type_identifier) @name declarator: (_))
  (parameter_declaration type: (qualified_identifier scope: (_) @scope name: (type_identifier) @name) declarator: (_))
  (parameter_declaration type: (template_type name: (type_identifier) @name) declarator: (_))
  (parameter_declaration type: (qualified_identifier
    scope: (_) @scope name: (template_type name: (type_identifier) @name))
    declarator: (_))
  (function_definition type: (type_identifier) @name)
  (function_definition type: (qualified_identifier scope: (_) @scope name: (type_identifier) @name))
  (function_definition type: (template_type name: (type_identifier) @name))
  (function_definition type: (qualified_identifier
    scope: (_) @scope name: (template_type name: (type_identifier) @name)))
  (field_declaration type: (type_identifier) @name)
  (field_declaration type: (qualified_identifier scope: (_) @scope name: (type_identifier) @name))
  (field_declaration type: (template_type name: (type_identifier) @name))
  (field_declaration type: (qualified_identifier
    scope: (_) @scope name: (template_type name: (type_identifier) @name)))
  (type_descriptor type: (type_identifier) @name)
  (type_descriptor type: (qualified_identifier scope: (_) @scope name: (type_identifier) @name))
  (type_descriptor type: (template_type name: (type_identifier) @name))
  (type_descriptor type: (qualified_identifier
    scope: (_) @scope name: (template_type name: (type_identifier) @name)))
] @reference.type)

; ---- bindings: `Circle c;`, `Circle* p = ..`, `auto c = Circle(..)`, `auto p = new Circle`,
; `auto p = std::make_unique<Circle>(..)`, `const Registry& r` parameters ------------------
$declared_name = [
  (identifier) @name
  (pointer_declarator declarator: (identifier) @name)
  (reference_declarator (identifier) @name)]
(declaration
  type: [(type_identifier) (qualified_identifier) (template_type)] @type
  declarator: [$declared_name (init_declarator declarator: $declared_name)]) @binding
(declaration
  type: (placeholder_type_specifier)
  declarator: (init_declarator
    declarator: (identifier) @name
    value: [
      (call_expression function: (identifier) @type)
      (call_expression
        function: (qualified_identifier scope: (namespace_identifier) @type name: (identifier)))
      (new_expression type: (_) @type)
      (call_expression
        function: (qualified_identifier name: (template_function
          name: (identifier) @_make (#any-of? @_make "make_unique" "make_shared")
          arguments: (template_argument_list . (type_descriptor type: (_) @type)))))
    ])) @binding
(parameter_declaration
  type: [(type_identifier) (qualified_identifier) (template_type)] @type
  declarator: $declared_name) @binding

; ---- test markers: gtest TEST/TEST_F/TEST_P macros and fixtures deriving from ::testing::Test
(function_definition
  declarator: (function_declarator
    declarator: (identifier) @marker.test
    (#any-of? @marker.test "TEST" "TEST_F" "TEST_P" "TYPED_TEST" "TYPED_TEST_P")))
(base_class_clause
  [(qualified_identifier) (type_identifier)] @marker.test (#match? @marker.test "Test$"))
