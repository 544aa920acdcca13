; JSX (appended for JavaScript and TSX): `<Foo />` and `<ui.Button>` use a component, which
; is a call of it. Lower-case tags (`<div>`) are host elements, not components.
([
  (jsx_opening_element name: (identifier) @name)
  (jsx_self_closing_element name: (identifier) @name)
] @reference.call
  (#match? @name "^[A-Z]"))
([
  (jsx_opening_element
    name: (member_expression object: (_) @scope property: (property_identifier) @name))
  (jsx_self_closing_element
    name: (member_expression object: (_) @scope property: (property_identifier) @name))
] @reference.call)
