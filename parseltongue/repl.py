"""An interactive Datalog shell over any object that runs read-only Datalog.

The shell needs only `query(datalog, params)` and `named_table(name, **params)`, both giving a
Table: a Codebase has them, and so does the client of the HTTP server (`repl --server`).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, TextIO

from rich.console import Console
from rich.text import Text

from parseltongue.answers import Table
from parseltongue.queries import listed_named_queries, named_query
from parseltongue.results import (
    OutputFormat,
    named_queries_table,
    parse_parameters,
    result_csv,
    result_json,
    result_table,
    row_count,
    strip_ansi,
    wide_console_unless_terminal,
)
from parseltongue.storage import StorageError

HISTORY_ENVIRONMENT_VARIABLE = "PARSELTONGUE_HISTORY"
PROMPT = "pt> "
CONTINUATION_PROMPT = "... "

HELP_TEXT = """\
Type Datalog over as many lines as it takes, in any order (rules, then options such as
:order, :limit, :offset, :timeout on lines of their own); an empty line runs it, so press
Enter twice, or Esc then Enter to run it at once. Example:
    ?[key, name] := *code_entities{key, name, entity_type: 'fn'}
    :order name
    :limit 5
(A piped script needs no empty lines: a statement ends once it is complete and the next line
is not one of its options.)
Commands (a line that starts with one colon and is not a query option):
    :help                 this text
    :relations            the stored relations
    :schema REL           the columns of relation REL
    :queries [all]        the named queries a person asks (all: every one that reads)
    :run NAME k=v ...     run a named query (values are JSON when they parse: hops=3)
    :format table|json|csv
    :quit                 leave (also Ctrl-D)
"""

# A statement whose last line ends with one of these goes on at the next line.
_CONTINUING_CHARACTERS = ",=+-*/|&<>~:("
_CONTINUING_WORDS = ("or", "and", "not")
_STRING_OR_COMMENT = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|#[^\n]*")
_SHELL_COMMANDS = ("help", "relations", "schema", "queries", "run", "format", "quit", "exit")
# Cozo's query options and relation operations: a line starting with one of these belongs to
# the query above it, never to the shell.
_QUERY_OPTIONS = frozenset((
    "limit", "offset", "sort", "order", "timeout", "sleep", "assert", "returning",
    "disable_magic_rewrite", "create", "replace", "put", "rm", "insert", "update", "delete",
    "ensure", "ensure_not",
))
_OPENERS = {"(": ")", "[": "]", "{": "}"}


class DatalogRunner(Protocol):
    """What the shell runs its statements against."""

    def query(self, datalog: str, params: Mapping[str, Any] | None = None) -> Table: ...

    def named_table(self, name: str, /, **params: Any) -> Table: ...


def statement_is_complete(text: str) -> bool:
    """Whether `text` is a whole statement: it has an entry rule (`?[...]`), a system op (`::`)
    or is a `{...}` block; its brackets balance; it does not end with an operator or a comma."""
    code = _STRING_OR_COMMENT.sub(lambda match: "" if match.group(0)[0] == "#" else "''", text)
    stripped = code.strip()
    if not stripped or not ("?[" in stripped or stripped.startswith(("::", "{"))):
        return False
    depth = 0
    for character in stripped:
        if character in _OPENERS:
            depth += 1
        elif character in _OPENERS.values():
            depth -= 1
    if depth > 0:
        return False
    return (
        stripped[-1] not in _CONTINUING_CHARACTERS and stripped.split()[-1] not in _CONTINUING_WORDS
    )


def _colon_word(line: str) -> str | None:
    """The word after a single leading colon (`:limit 5` -> "limit"), else None."""
    stripped = line.strip()
    if not stripped.startswith(":") or stripped.startswith("::"):
        return None
    return (stripped[1:].split() or [""])[0]


def is_query_option(line: str) -> bool:
    """`:limit 5`, `:order -x`, `:put rel {...}`: a line that belongs to the query above it."""
    return _colon_word(line) in _QUERY_OPTIONS


def is_shell_command(line: str) -> bool:
    """`:help`, `:run ...`, or an unknown `:word`: for the shell, not a Cozo option such as
    `:limit 5` nor a system operation such as `::relations`."""
    word = _colon_word(line)
    return word is not None and word not in _QUERY_OPTIONS


def default_history_path() -> Path:
    """The history file: $PARSELTONGUE_HISTORY, else ~/.parseltongue_history."""
    configured = os.environ.get(HISTORY_ENVIRONMENT_VARIABLE)
    return Path(configured).expanduser() if configured else Path.home() / ".parseltongue_history"


class DatalogShell:
    """Runs statements and `:commands`, printing results; an error is printed, never raised."""

    def __init__(
        self,
        runner: DatalogRunner,
        console: Console,
        output_format: OutputFormat = OutputFormat.TABLE,
    ) -> None:
        self.runner = runner
        self.console = console
        self.output_format = output_format
        self.finished = False
        self._commands: dict[str, Callable[[list[str]], None]] = {
            "help": self._help,
            "relations": self._relations,
            "schema": self._schema,
            "queries": self._queries,
            "run": self._run,
            "format": self._format,
            "quit": self._quit,
            "exit": self._quit,
        }

    # -- one statement ----------------------------------------------------------------

    def execute(self, statement: str) -> None:
        """Run one statement or command and print its result or its error."""
        text = statement.strip()
        if not text:
            return
        try:
            if is_shell_command(text):
                self._command(text[1:])
            elif all(is_query_option(line) for line in text.splitlines() if line.strip()):
                raise ValueError(
                    f"{text.splitlines()[0].split()[0]} is an option of a query; type it on "
                    "a line under the query, before the empty line that runs it"
                )
            else:
                self._show(self.runner.query(text))
        except StorageError as error:
            self._error(getattr(error, "display", "") or str(error))
        except (KeyError, ValueError) as error:
            self._error(error.args[0] if error.args else str(error))

    def _command(self, text: str) -> None:
        try:
            words = shlex.split(text)
        except ValueError as error:
            raise ValueError(f"cannot read the command: {error}") from None
        if not words or words[0] not in self._commands:
            name = words[0] if words else ""
            raise ValueError(f"unknown command :{name}; :help lists them")
        self._commands[words[0]](words[1:])

    def _show(self, result: Table) -> None:
        timing = f"{row_count(result)} in {result.milliseconds:.1f} ms"
        if self.output_format is OutputFormat.TABLE:
            self.console.print(result_table(result, caption=""))
        else:
            rendered = (
                result_json(result)
                if self.output_format is OutputFormat.JSON
                else result_csv(result).rstrip("\n")
            )
            self.console.print(rendered, markup=False, highlight=False, soft_wrap=True)
        self.console.print(f"({timing})", style="dim", highlight=False)

    def _error(self, message: str) -> None:
        self.console.print("error: ", style="bold red", end="", highlight=False)
        if self.console.is_terminal:
            # Cozo's diagnostic carries its own colours; rich keeps them as styles.
            self.console.print(Text.from_ansi(message.rstrip()), soft_wrap=True)
        else:
            self.console.print(
                strip_ansi(message).rstrip(), markup=False, highlight=False, soft_wrap=True
            )

    # -- commands ---------------------------------------------------------------------

    def _help(self, _arguments: list[str]) -> None:
        self.console.print(HELP_TEXT, markup=False, highlight=False)

    def _relations(self, _arguments: list[str]) -> None:
        self._show(self.runner.query("::relations"))

    def _schema(self, arguments: list[str]) -> None:
        if len(arguments) != 1 or not re.fullmatch(r"[A-Za-z_][\w:]*", arguments[0]):
            raise ValueError("give one relation name: :schema code_entities")
        self._show(self.runner.query(f"::columns {arguments[0]}"))

    def _queries(self, arguments: list[str]) -> None:
        if arguments not in ([], ["all"]):
            raise ValueError("give nothing (the queries a person asks) or all: :queries all")
        # The shell only reads: queries that write are left out even of `all`.
        queries = [
            query for query in listed_named_queries(include_internal=arguments == ["all"])
            if not query.writes
        ]
        self.console.print(named_queries_table(queries, "named queries (:run NAME k=v ...)"))
        if not arguments:
            self.console.print("(:queries all lists the internal ones too)", style="dim")

    def _run(self, arguments: list[str]) -> None:
        if not arguments:
            raise ValueError("give a query name: :run reverse_callers entity=KEY (see :queries)")
        query = named_query(arguments[0])
        if query.writes:
            raise ValueError(f"{query.name!r} writes to the database; the shell only reads")
        self._show(self.runner.named_table(query.name, **parse_parameters(arguments[1:])))

    def _format(self, arguments: list[str]) -> None:
        choices = ", ".join(member.value for member in OutputFormat)
        if len(arguments) != 1 or arguments[0] not in {member.value for member in OutputFormat}:
            raise ValueError(f"give one format: {choices} (now {self.output_format.value})")
        self.output_format = OutputFormat(arguments[0])
        self.console.print(f"format: {self.output_format.value}", highlight=False)

    def _quit(self, _arguments: list[str]) -> None:
        self.finished = True

    # -- input ------------------------------------------------------------------------

    def run_lines(self, lines: Iterable[str]) -> None:
        """Read statements from lines (a pipe or a script) until they end or `:quit`.

        A complete statement runs when the next line does not go on with it: a Cozo option on
        its own line (`:limit 5`) still belongs to the statement above; a shell command
        (`:quit`) never does.
        """
        buffered: list[str] = []
        for raw_line in lines:
            line = raw_line.rstrip("\n")
            stripped = line.strip()
            command = is_shell_command(stripped)
            if buffered and (
                not stripped
                or command
                or (statement_is_complete("\n".join(buffered)) and not is_query_option(stripped))
            ):
                self.execute("\n".join(buffered))
                buffered = []
            if self.finished:
                return
            if command:
                self.execute(stripped)
            elif stripped:
                buffered.append(line)
            if self.finished:
                return
        if buffered:
            self.execute("\n".join(buffered))

    def run_interactive(self, history_path: Path) -> None:
        """Prompt with line editing and persistent history until `:quit` or Ctrl-D."""
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory
        from prompt_toolkit.key_binding import KeyBindings

        bindings = KeyBindings()

        @bindings.add("enter")
        def _submit_or_continue(event: Any) -> None:
            # Datalog runs only at an empty line: its rules may come in any order and its
            # options (`:limit 5`) may follow on lines of their own, so a statement that
            # looks complete may still go on. A shell command is one line and runs at once.
            buffer = event.current_buffer
            text = buffer.text
            if not text.strip() or is_shell_command(text):
                buffer.validate_and_handle()
            elif text.endswith("\n"):
                buffer.text = text.rstrip("\n")  # the empty line ends it; history keeps none
                buffer.validate_and_handle()
            else:
                buffer.insert_text("\n")

        @bindings.add("escape", "enter")
        def _submit_now(event: Any) -> None:
            event.current_buffer.validate_and_handle()

        history_path.parent.mkdir(parents=True, exist_ok=True)
        session: PromptSession[str] = PromptSession(
            history=FileHistory(str(history_path)),
            multiline=True,
            key_bindings=bindings,
            prompt_continuation=lambda width, *_: CONTINUATION_PROMPT.rjust(width),
        )
        while not self.finished:
            try:
                text = session.prompt(PROMPT)
            except KeyboardInterrupt:
                continue  # Ctrl-C drops the statement being typed, not the shell
            except EOFError:
                return
            self.execute(text)


def run_shell(
    runner: DatalogRunner,
    output_format: OutputFormat = OutputFormat.TABLE,
    stdin: TextIO | None = None,
    history_path: Path | None = None,
) -> None:
    """Start the shell: interactive on a terminal, reading lines when stdin is piped."""
    stdin = stdin or sys.stdin
    interactive = stdin.isatty() and sys.stdout.isatty()
    # Off a terminal nothing wraps: a script reading the output gets whole lines.
    console = Console() if interactive else wide_console_unless_terminal(Console())
    shell = DatalogShell(runner, console, output_format)
    if interactive:
        console.print(
            "Parseltongue Datalog shell; :help for help, :quit to leave.", highlight=False
        )
        shell.run_interactive(history_path or default_history_path())
    else:
        shell.run_lines(stdin)
