; JavaScript (.js, .jsx, .mjs, .cjs): what only the JavaScript grammar spells this way. The
; registry row appends ecmascript.scm (shared with TypeScript) and jsx.scm (shared with TSX).
; Capture names are explained in README.md beside this file.

; ---- class fields holding functions: `handle = () => {}`, `static make = function () {}` ---
(field_definition
  property: (_) @name
  value: [(arrow_function body: (_) @body) (function_expression body: (_) @body)]
) @definition.function

; ---- `class A extends B`, `extends ns.B`; a mixin call `extends Mixin(B)` names Mixin -----
(class_heritage [
  (identifier) @name
  (member_expression object: (_) @scope property: (property_identifier) @name)
  (call_expression function: (identifier) @name)
] @reference.extends)
