; Python: definitions, calls, imports, bases, annotations, local bindings, test markers.
; Capture names are explained in README.md beside this file.

; ---- definitions -----------------------------------------------------------------------
(function_definition name: (identifier) @name body: (block) @body) @definition.function
(class_definition name: (identifier) @name body: (block) @body) @definition.class

; ---- calls: free `f()`, method/attribute `x.f()`, constructors are calls of a class name ----
(call function: (identifier) @name) @reference.call
(call function: (attribute object: (_) @receiver attribute: (identifier) @name)) @reference.call

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
(assignment left: (identifier) @name right: (call function: [(identifier) (attribute)] @type)) @binding
(assignment left: (identifier) @name type: (type [(identifier) (attribute)] @type)) @binding
(typed_parameter (identifier) @name type: (type [(identifier) (attribute)] @type)) @binding
(typed_default_parameter
  name: (identifier) @name type: (type [(identifier) (attribute)] @type)) @binding

; ---- test markers: pytest/unittest naming and TestCase subclasses -------------------------
(function_definition name: (identifier) @marker.test (#match? @marker.test "^test"))
(class_definition name: (identifier) @marker.test (#match? @marker.test "^Test"))
(class_definition
  superclasses: (argument_list
    [(identifier) (attribute)] @marker.test (#match? @marker.test "TestCase$")))
