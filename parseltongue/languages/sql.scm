; SQL: tables, views, functions, indexes, triggers, and the references between them: the
; tables a view or function reads or writes and a trigger or index is on (`type`), foreign keys
; (`type`), function calls and trigger functions (`call`). Capture names: see README.md.

; ---- definitions: `schema.name` gives the schema as scope ----------------------------------
(create_table
  (object_reference schema: (_)? @scope name: (identifier) @name)
  (column_definitions)? @body) @definition.table
(create_view
  (object_reference schema: (_)? @scope name: (identifier) @name)
  (create_query)? @body) @definition.view
(create_materialized_view
  (object_reference schema: (_)? @scope name: (identifier) @name)
  (create_query)? @body) @definition.view
(create_function
  (object_reference schema: (_)? @scope name: (identifier) @name)
  (function_body)? @body) @definition.function
(create_index column: (identifier) @name) @definition.index
(create_trigger
  (keyword_trigger) . (object_reference schema: (_)? @scope name: (identifier) @name)) @definition.trigger

; ---- tables used: FROM/JOIN/UPDATE relations, INSERT INTO, DELETE FROM, REFERENCES, ON ----
([
  (relation (object_reference schema: (_)? @scope name: (identifier) @name))
  (insert (object_reference schema: (_)? @scope name: (identifier) @name))
  (from (keyword_from) . (object_reference schema: (_)? @scope name: (identifier) @name))
  (column_definition (object_reference schema: (_)? @scope name: (identifier) @name))
  (constraint (object_reference schema: (_)? @scope name: (identifier) @name))
  (create_index (object_reference schema: (_)? @scope name: (identifier) @name))
  (create_trigger (keyword_on) . (object_reference schema: (_)? @scope name: (identifier) @name))
] @reference.type)

; ---- calls: `f(x)` and a trigger's `EXECUTE FUNCTION f()` ----------------------------------
(invocation (object_reference schema: (_)? @scope name: (identifier) @name)) @reference.call
(create_trigger
  (keyword_execute) . [(keyword_function) (keyword_procedure)] .
  (object_reference schema: (_)? @scope name: (identifier) @name)) @reference.call
