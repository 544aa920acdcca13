; Python: definitions, calls, imports, bases, annotations, local bindings, test markers.
; Capture names are explained in README.md beside this file.

; ---- definitions -----------------------------------------------------------------------
(function_definition name: (identifier) @name body: (block) @body) @definition.function
(class_definition name: (identifier) @name body: (block) @body) @definition.class

; ---- an overload signature (`@overload def f(...)`, `@typing.overload`): calls of `f` go
; to the implementation that follows
(decorated_definition
  (decorator [(identifier) (attribute attribute: (identifier))] @_overload)
  definition: (function_definition name: (identifier) @name) @reference.overload
  (#match? @_overload "(^|[.])overload$"))

; ---- a property (`@property`, `@cached_property`, `@util.memoized_property`): `x.p()` calls
; the value it gives, not the property's function
(decorated_definition
  (decorator [(identifier) (attribute attribute: (identifier))] @_property)
  definition: (function_definition name: (identifier) @name) @reference.property
  (#match? @_property "(^|[.])(property|[a-z_]*_property|memoized_attribute)$"))

; ---- calls: free `f()`, method/attribute `x.f()`, constructors are calls of a class name ----
(call function: (identifier) @name) @reference.call
(call function: (attribute object: (_) @receiver attribute: (identifier) @name)
  (#not-match? @receiver "^super\\(\\s*[A-Za-z_][A-Za-z_0-9]*\\s*,")) @reference.call
; `super(Cls, self).m()` is a `super()` call from the class Cls, named by the scope. (The
; `#set!` comes before the text predicate: the other way round, py-tree-sitter 0.26.1 corrupts
; memory when the compiled query is freed.)
(call
  function: (attribute
    object: (call
      function: (identifier) @_super
      arguments: (argument_list . (identifier) @scope . (identifier) .))
    attribute: (identifier) @name)
  (#set! receiver "super()")
  (#eq? @_super "super")) @reference.call

; ---- imports: @module is the module path as written (leading dots = relative level) -----
(import_statement name: (dotted_name) @module) @reference.import
(import_statement
  name: (aliased_import name: (dotted_name) @module alias: (identifier) @alias)) @reference.import
(import_from_statement module_name: (_) @module name: (dotted_name) @name) @reference.import
(import_from_statement
  module_name: (_) @module
  name: (aliased_import name: (dotted_name) @name alias: (identifier) @alias)) @reference.import
(import_from_statement module_name: (_) @module (wildcard_import) @name) @reference.import

; ---- class bases: `class A(B, mod.C, Generic[T])`; keyword arguments (metaclass=) are not bases
(class_definition
  superclasses: (argument_list
    [
      (identifier) @name
      (attribute object: (_) @scope attribute: (identifier) @name)
      (subscript value: [
        (identifier) @name
        (attribute object: (_) @scope attribute: (identifier) @name)])
    ] @reference.extends))

; ---- type uses in annotations (parameters, returns, variables, nested generics) ----------
(type (identifier) @name) @reference.type
(type (attribute object: (_) @scope attribute: (identifier) @name)) @reference.type
(type (generic_type (identifier) @name)) @reference.type

; ---- local bindings that give a receiver its type: `g = Graph()`, `g: Graph` --------------
; A call's result (`@result`: a class constructs one, a function returns its declared
; type); another value (`@value`: `p = self.preparer`, `t = table`) has that one's type. An
; annotation gives the type through `Optional[T]`, `T | None`, a quoted `"T"` and a
; generic's own type (`InstanceState[Any]`); it wins over the call on the right
; (`g: Graph = make()`).
(assignment left: (identifier) @name !type right: (call function: [(identifier) (attribute)] @result)) @binding
(assignment left: (identifier) @name !type right: [(identifier) (attribute)] @value) @binding
; `with Session(c) as s`: what entering gives, taken to be the object made (as most
; context managers' `__enter__` returns self).
(with_item value: (as_pattern
  (call function: [(identifier) (attribute)] @result)
  alias: (as_pattern_target (identifier) @name))) @binding
$annotated_type = (type [
  (identifier) @type
  (attribute) @type
  (binary_operator left: [(identifier) (attribute)] @type right: (none))
  (binary_operator left: (none) right: [(identifier) (attribute)] @type)
  (generic_type (identifier) @type)
  (subscript value: [(identifier) (attribute)] @type)
  (string (string_content) @type)]
  (#match? @type "^[A-Za-z_][A-Za-z0-9_.]*$") (#not-eq? @type "Optional"))
$optional_type = (type (generic_type (identifier) @_optional
  (type_parameter . (type [(identifier) @type (attribute) @type (generic_type (identifier) @type)
    (subscript value: [(identifier) (attribute)] @type)]) .)) (#eq? @_optional "Optional"))
(assignment left: (identifier) @name type: $annotated_type) @binding
(assignment left: (identifier) @name type: $optional_type) @binding
(typed_parameter (identifier) @name type: $annotated_type) @binding
(typed_parameter (identifier) @name type: $optional_type) @binding
(typed_default_parameter name: (identifier) @name type: $annotated_type) @binding
(typed_default_parameter name: (identifier) @name type: $optional_type) @binding

; ---- members a method gives a type: `self.preparer = IdentifierPreparer()`, `self.x: Foo` ---
; (a class body's own bindings, `preparer: IdentifierPreparer`, type its members too)
; A method's result (`self.x = self.x.copy()`) names no type: not a binding.
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @name) !type
  right: (call function: [(identifier) (attribute)] @result)
  (#any-of? @_self "self" "cls")) @binding.member
; `self.dialect = dialect` (a typed parameter), `self.preparer = dialect.identifier_preparer`
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @name) !type
  right: [(identifier) (attribute)] @value
  (#any-of? @_self "self" "cls")) @binding.member
(assignment
  left: (attribute object: (identifier) @_self attribute: (identifier) @name)
  type: (type [(identifier) @type (attribute) @type (generic_type (identifier) @type)
    (subscript value: [(identifier) (attribute)] @type)])
  (#any-of? @_self "self" "cls")) @binding.member

; ---- what typed chains follow: a function's result type, a property's type ---------------
; `def select(...) -> Select[Any]`, `-> Optional[Foo]`, `-> Foo | None`, `-> "Foo"`, `-> Self`
(function_definition return_type: (type [
  (identifier) @name
  (attribute object: (_) @scope attribute: (identifier) @name)
  (generic_type (identifier) @name)
  (subscript value: [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)])
  (binary_operator left: [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)] right: (none))
  (binary_operator left: (none) right: [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)])
  (string (string_content) @name)])
  (#match? @name "^[A-Za-z_][A-Za-z0-9_]*$")
  (#not-match? @name "^(Optional|Union|Any|None|str|int|bool|float|bytes|object)$")) @reference.returns
(function_definition return_type: (type (generic_type (identifier) @_optional
  (type_parameter . (type [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)
    (generic_type (identifier) @name)
    (subscript value: [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)])]) .)))
  (#eq? @_optional "Optional")) @reference.returns
; A property (`@property`, `@util.memoized_property`, `@HasMemoized.memoized_attribute`) is
; a member of its class of its result's type: `self.c.keys()` follows it.
(decorated_definition
  (decorator [(identifier) (attribute attribute: (identifier))] @_property)
  definition: (function_definition name: (identifier) @receiver return_type: (type [
    (identifier) @name
    (attribute object: (_) @scope attribute: (identifier) @name)
    (generic_type (identifier) @name)
    (binary_operator left: [(identifier) @name (attribute object: (_) @scope attribute: (identifier) @name)] right: (none))
    (string (string_content) @name)]))
  (#match? @_property "(^|[.])(property|[a-z_]*_property|memoized_attribute)$")
  (#match? @name "^[A-Za-z_][A-Za-z0-9_]*$")
  (#not-match? @name "^(Optional|Union|Any|None|str|int|bool|float|bytes|object)$")) @reference.member_type

; ---- names a function binds with no type known: they hide the module's names from its bare
; calls (`locals_shadow`), and a receiver bound again loses the type it had -----------------
(assignment left: (identifier) @name) @binding
(augmented_assignment left: (identifier) @name) @binding
(named_expression name: (identifier) @name) @binding
[(pattern_list (identifier) @name) (tuple_pattern (identifier) @name)
 (list_pattern (identifier) @name)] @binding
(list_splat_pattern (identifier) @name) @binding
(dictionary_splat_pattern (identifier) @name) @binding
(for_statement left: (identifier) @name) @binding
(for_in_clause left: (identifier) @name) @binding
(as_pattern alias: (as_pattern_target (identifier) @name)) @binding
(parameters (identifier) @name) @binding
(default_parameter name: (identifier) @name) @binding

; ---- test markers: pytest/unittest naming and TestCase subclasses -------------------------
(function_definition name: (identifier) @marker.test (#match? @marker.test "^test"))
(class_definition name: (identifier) @marker.test (#match? @marker.test "^Test"))
(class_definition
  superclasses: (argument_list
    [(identifier) (attribute)] @marker.test (#match? @marker.test "TestCase$")))
