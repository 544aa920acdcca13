; Ruby: classes, modules, methods and singleton methods (`def self.x`), RSpec/minitest
; blocks as test entities; calls, `require`, superclasses and mixins, `x = Foo.new` bindings.
; Capture names are explained in README.md beside this file.

; ---- definitions (for one node, the earliest pattern wins) --------------------------------
(class
  name: [(constant) @name (scope_resolution scope: (_) @scope name: (constant) @name)]
  body: (_)? @body) @definition.class
(module
  name: [(constant) @name (scope_resolution scope: (_) @scope name: (constant) @name)]
  body: (_)? @body) @definition.module
; a `def` in a module body is the module's (instance) method
(module body: (body_statement
  (method name: (_) @name body: (_)? @body) @definition.method))
(module body: (body_statement
  (singleton_method object: (self) name: (_) @name body: (_)? @body) @definition.method))
(method name: (_) @name body: (_)? @body) @definition.function
; `def self.unit` belongs to the enclosing class; `def Other.x` is qualified by `Other`
(singleton_method object: (self) name: (_) @name body: (_)? @body) @definition.function
(singleton_method
  object: [(constant) (scope_resolution) (identifier)] @scope
  name: (_) @name body: (_)? @body) @definition.function
; RSpec/minitest blocks: `describe Circle do`, `context "x" do`, `it "y" do`, `test "z" do`
(call
  receiver: (constant)? @_rspec
  method: (identifier) @_group
  arguments: (argument_list . [(string (string_content) @name) (constant) @name (scope_resolution) @name])
  block: (_) @body
  (#any-of? @_group "describe" "context" "shared_examples" "shared_context" "feature")) @definition.class
(call
  !receiver
  method: (identifier) @_example
  arguments: (argument_list . (string (string_content) @name))
  block: (_) @body
  (#any-of? @_example "it" "specify" "example" "scenario" "test")) @definition.function

; ---- calls: `f(x)`, `x.f`, `Foo.f`/`Foo::Bar.new` (the constant is the scope) -------------
(call !receiver method: (identifier) @name arguments: (_)) @reference.call
(call
  receiver: [(constant) (scope_resolution)] @scope
  method: (identifier) @name) @reference.call
(call
  receiver: [(identifier) (self) (instance_variable) (class_variable) (global_variable)
             (call) (element_reference) (parenthesized_statements)] @receiver
  method: (identifier) @name) @reference.call

; ---- require "json", require_relative "geometry/point": the path is the module -----------
(call
  !receiver
  method: (identifier) @_require
  arguments: (argument_list . (string (string_content) @module))
  (#any-of? @_require "require" "require_relative")) @reference.import

; ---- `class Circle < Shape` and mixins `include Comparable` ------------------------------
(superclass [
  (constant) @name
  (scope_resolution scope: (_) @scope name: (constant) @name)
] @reference.extends)
(call
  !receiver
  method: (identifier) @_mixin
  arguments: (argument_list [
    (constant) @name
    (scope_resolution scope: (_) @scope name: (constant) @name)
  ] @reference.implements)
  (#any-of? @_mixin "include" "extend" "prepend"))

; ---- `registry = Registry::Store.new` gives `registry` its class --------------------------
(assignment
  left: (identifier) @name
  right: (call
    receiver: [(constant) (scope_resolution)] @type
    method: (identifier) @_new (#eq? @_new "new"))) @binding

; ---- test markers: minitest `def test_x`, Test::Unit/Minitest classes, RSpec blocks -------
(method name: (identifier) @marker.test (#match? @marker.test "^test_"))
(superclass
  [(constant) (scope_resolution)] @marker.test (#match? @marker.test "(Test|TestCase|Spec)$"))
(call
  method: (identifier) @marker.test
  arguments: (argument_list)
  block: (_)
  (#any-of? @marker.test "describe" "context" "shared_examples" "shared_context" "feature"
    "it" "specify" "example" "scenario" "test"))
