; SQL: tables, views, functions, indexes, triggers, and the references between them: the
; tables a view or function reads or writes and a trigger or index is on (`type`), foreign keys
; (`type`), function calls and trigger functions (`call`). Capture names: see README.md.

; A name, maybe in a schema (`schema.name`): the schema is its scope (README.md, "Shapes").
$object_name = (object_reference schema: (_)? @scope name: (identifier) @name)

; ---- definitions ---------------------------------------------------------------------------
(create_table $object_name (column_definitions)? @body) @definition.table
(create_view $object_name (create_query)? @body) @definition.view
(create_materialized_view $object_name (create_query)? @body) @definition.view
(create_function $object_name (function_body)? @body) @definition.function
(create_index column: (identifier) @name) @definition.index
(create_trigger (keyword_trigger) . $object_name) @definition.trigger

; ---- tables used: FROM/JOIN/UPDATE relations, INSERT INTO, DELETE FROM, REFERENCES, ON ----
([
  (relation $object_name)
  (insert $object_name)
  (from (keyword_from) . $object_name)
  (column_definition $object_name)
  (constraint $object_name)
  (create_index $object_name)
  (create_trigger (keyword_on) . $object_name)
] @reference.type)

; ---- calls: `f(x)` and a trigger's `EXECUTE FUNCTION f()` ----------------------------------
(invocation $object_name) @reference.call
(create_trigger
  (keyword_execute) . [(keyword_function) (keyword_procedure)] .
  $object_name) @reference.call
