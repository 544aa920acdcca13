; Go: functions, methods (qualified by their receiver type), types, interfaces' methods,
; calls, composite literals, imports, embedding, type uses, typed locals, test functions.
; Capture names are explained in README.md beside this file.

; ---- shapes used below (README.md, "Shapes") ----------------------------------------------
; A type named, maybe from a package (`pkg.T`), maybe with arguments (`T[U]`); with a pointer.
$type_name = [
  (type_identifier) @name
  (qualified_type package: (_) @scope name: (type_identifier) @name)
  (generic_type type: (type_identifier) @name)]
$declared_type = [$type_name (pointer_type $type_name)]
; What a binding's type may be: a name, `pkg.T`, `T[U]`.
$bound_type = [(type_identifier) @type (qualified_type) @type (generic_type type: (_) @type)]
; The type a method's receiver names, maybe through a pointer, maybe with type parameters.
$receiver_type = [
  (type_identifier) @name
  (pointer_type (type_identifier) @name)
  (generic_type type: (type_identifier) @name)
  (pointer_type (generic_type type: (type_identifier) @name))]
; Predeclared types are not worth an edge nor a lookup (`#not-any-of?` does not filter in
; py-tree-sitter).
$not_predeclared = (#not-match? @name
  "^(bool|byte|complex64|complex128|error|float32|float64|u?int(8|16|32|64)?|rune|string|uintptr|any|comparable)$")

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(package_clause (package_identifier) @name) @definition.namespace
(function_declaration name: (identifier) @name body: (block)? @body) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration type: $receiver_type{@scope}))
  name: (field_identifier) @name
  body: (block)? @body) @definition.function
(method_elem name: (field_identifier) @name) @definition.function

; `type T struct {...}` is the whole declaration (its signature starts with `type`); in a
; `type ( ... )` group each spec is one definition.
((type_declaration . (type_spec
    name: (type_identifier) @name type: (struct_type (field_declaration_list) @body)) .)
  @definition.struct (#not-match? @definition.struct "^type\\s*\\("))
((type_declaration . (type_spec
    name: (type_identifier) @name type: (interface_type "{" @body)) .)
  @definition.interface (#not-match? @definition.interface "^type\\s*\\("))
((type_declaration . [(type_spec name: (type_identifier) @name) (type_alias name: (type_identifier) @name)] .)
  @definition.type (#not-match? @definition.type "^type\\s*\\("))
(type_declaration "("
  (type_spec name: (type_identifier) @name
    type: (struct_type (field_declaration_list) @body)) @definition.struct)
(type_declaration "("
  (type_spec name: (type_identifier) @name type: (interface_type "{" @body)) @definition.interface)
(type_declaration "("
  [(type_spec name: (type_identifier) @name) (type_alias name: (type_identifier) @name)]
  @definition.type)
(source_file (const_declaration (const_spec name: (identifier) @name) @definition.const))

; ---- calls: free `f()`, `x.f()` / `pkg.F()` (receiver), generic `F[T](x)`, literals `T{}` -
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (selector_expression operand: (_) @receiver field: (field_identifier) @name)) @reference.call
(type_conversion_expression type: (generic_type type: [
  (type_identifier) @name
  (qualified_type package: (_) @scope name: (type_identifier) @name)])) @reference.call
(composite_literal type: [
  (type_identifier) @name
  (qualified_type package: (_) @scope name: (type_identifier) @name)
  (generic_type type: (type_identifier) @name)
  (generic_type type: (qualified_type package: (_) @scope name: (type_identifier) @name))
]) @reference.call

; ---- imports: @module is the import path, @alias the local name (`str`, `_`, `.`) ---------
(import_spec
  name: (_)? @alias
  path: (interpreted_string_literal (interpreted_string_literal_content) @module)) @reference.import

; ---- embedding: a struct's anonymous fields, an interface's embedded interfaces -----------
(field_declaration_list (field_declaration !name type: [
  (type_identifier) @name
  (qualified_type package: (_) @scope name: (type_identifier) @name)
  (generic_type type: (type_identifier) @name)
]) @reference.extends)
(interface_type (type_elem . [
  (type_identifier) @name
  (qualified_type package: (_) @scope name: (type_identifier) @name)
] .) @reference.extends)

; ---- type uses: parameters, results, fields, vars, pointers, slices, maps, generics ---------
$named = [(type_identifier) @name (qualified_type package: (_) @scope name: (type_identifier) @name)]
(([
  (parameter_declaration type: $named)
  (variadic_parameter_declaration type: $named)
  (function_declaration result: $named)
  (method_declaration result: $named)
  (method_elem result: $named)
  (field_declaration name: (_) type: $named)
  (var_spec type: $named)
  (pointer_type $named)
  (slice_type element: $named)
  (array_type element: (type_identifier) @name)
  (map_type value: $named)
  (channel_type value: (type_identifier) @name)
  (type_arguments (type_elem . $named .))
] @reference.type)
  $not_predeclared)

; ---- local bindings that give a receiver its type: `var g Graph`, `(s *Server)`, `&T{}` ----
$bound_or_pointer = [$bound_type (pointer_type $bound_type)]
[
  (var_spec name: (identifier) @name type: $bound_or_pointer)
  (parameter_declaration name: (identifier) @name type: $bound_or_pointer)
] @binding
; `c := &Command{}`, `var c = Command{}`
$literal = [
  (composite_literal type: $bound_type)
  (unary_expression operand: (composite_literal type: $bound_type))]
(short_var_declaration
  left: (expression_list . (identifier) @name .)
  right: (expression_list . $literal .)) @binding
(var_spec name: (identifier) @name !type value: (expression_list . $literal .)) @binding
; A name declared again with a type not known here (`x := f()`, `for _, x := range`, `switch
; x := v.(type)`, `var x = f()`) is a binding without a type: calls on it are not typed by an
; older binding of the name. (For one statement, a typed binding above wins over this one.)
(short_var_declaration left: (expression_list (identifier) @name)) @binding
(range_clause left: (expression_list (identifier) @name)) @binding
(type_switch_statement alias: (expression_list (identifier) @name)) @binding
(var_spec name: (identifier) @name !type) @binding

; `x := NewX()`, `x, err := pkg.Open(p)`, `x := y.M()`, `var x = f()`: the callee's result
; type (`@result`, followed at resolution); `x := new(T)`; `h, ok := t.(H)`.
$result_call = (call_expression
  function: [(identifier) (selector_expression) (parenthesized_expression)] @result)
$new_call = (call_expression
  function: (identifier) @_new arguments: (argument_list . $bound_type .))
((short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . $result_call))
  @binding (#not-eq? @result "new"))
((var_spec name: (identifier) @name !type value: (expression_list . $result_call))
  @binding (#not-eq? @result "new"))
((short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . $new_call))
  @binding (#eq? @_new "new"))
((var_spec name: (identifier) @name !type value: (expression_list . $new_call))
  @binding (#eq? @_new "new"))
(short_var_declaration
  left: (expression_list . (identifier) @name)
  right: (expression_list . (type_assertion_expression type: [
    $bound_type (pointer_type [(type_identifier) @type (qualified_type) @type])]))) @binding

; ---- what typed chains read: a struct field's declared type, a function's result type -----
; `parent *Command` in `type Command struct`: the field `parent` (@receiver) has type
; `Command`; an embedded `*Command` is a field named by its type.
((field_declaration
  name: (field_identifier) @receiver
  type: $declared_type) @reference.member_type
  $not_predeclared)
(field_declaration
  !name
  type: [
    (type_identifier) @receiver @name
    (qualified_type package: (_) @scope name: (type_identifier) @receiver @name)
    (pointer_type [
      (type_identifier) @receiver @name
      (qualified_type package: (_) @scope name: (type_identifier) @receiver @name)])
  ]) @reference.member_type
; `func NewCommand() *Command`, `func (c *Command) Flags() *pflag.FlagSet`, an interface's
; `Flags() *FlagSet`, `func Open() (*File, error)`: the (first) result's type.
$result_type = [$declared_type (parameter_list . (parameter_declaration type: $declared_type))]
([
  (function_declaration result: $result_type)
  (method_declaration result: $result_type)
  (method_elem result: $result_type)
] @reference.returns
  $not_predeclared)

; ---- a method declared outside its type: a member of the type its receiver names ---------
(method_declaration
  receiver: (parameter_list (parameter_declaration type: $receiver_type))) @reference.member_of

; ---- test markers: `func TestX(t *testing.T)`, benchmarks, fuzz tests, `TestMain` ---------
(function_declaration
  name: (identifier) @_name
  parameters: (parameter_list . (parameter_declaration
    type: (pointer_type (qualified_type
      package: (package_identifier) @_testing name: (type_identifier) @_kind))) @marker.test .)
  (#match? @_name "^(Test|Benchmark|Fuzz)")
  (#eq? @_testing "testing")
  (#any-of? @_kind "T" "B" "F" "M"))
