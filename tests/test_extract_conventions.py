"""The capture convention is language-neutral: a new grammar needs only query text, no Python."""

from __future__ import annotations

from parseltongue.extract import compile_query, extract_compiled
from parseltongue.languages import language_named

GO_QUERY = """
(function_declaration name: (identifier) @name body: (block) @body) @definition.function
(method_declaration
  receiver: (parameter_list (parameter_declaration
    type: [(type_identifier) @scope (pointer_type (type_identifier) @scope)]))
  name: (field_identifier) @name
  body: (block) @body) @definition.function
(type_declaration (type_spec name: (type_identifier) @name type: (struct_type))) @definition.struct
(call_expression function: (identifier) @name) @reference.call
(call_expression
  function: (selector_expression operand: (_) @receiver field: (field_identifier) @name)
) @reference.call
(function_declaration name: (identifier) @marker.test (#match? @marker.test "^Test"))
"""

GO_SOURCE = b"""package server

type Server struct{ port int }

func (s *Server) Serve() error {
	return listen(s.port)
}

func (s Server) Port() int { return s.port }

func TestServe(t *testing.T) {
	s := &Server{}
	t.Run("serves", nil)
	s.Serve()
}
"""


def test_an_out_of_line_method_is_qualified_by_its_scope_capture() -> None:
    compiled = compile_query(language_named("go"), GO_QUERY)
    extraction = extract_compiled("server/server.go", GO_SOURCE, compiled)
    assert [
        (e.entity_type, e.qualified_name, e.start_line, e.end_line, e.entity_class, e.signature)
        for e in extraction.entities
    ] == [
        ("module", "server.server", 1, 15, "CODE", "server/server.go"),
        ("struct", "Server", 3, 3, "CODE", "type Server struct{ port int }"),
        ("method", "Server.Serve", 5, 7, "CODE", "func (s *Server) Serve() error"),
        ("method", "Server.Port", 9, 9, "CODE", "func (s Server) Port() int"),
        ("fn", "TestServe", 11, 15, "TEST", "func TestServe(t *testing.T)"),
    ]
    names = {e.key: e.qualified_name for e in extraction.entities}
    assert [(names[r.from_key], r.name, r.receiver, r.line) for r in extraction.references] == [
        ("Server.Serve", "listen", "", 6),
        ("TestServe", "Run", "t", 13),
        ("TestServe", "Serve", "s", 14),
    ]
