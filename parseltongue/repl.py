"""An interactive Datalog shell over any object that runs read-only Datalog.

The shell needs only `query_table(datalog, params) -> QueryResult`: CozoDbStorage has it, and a
client of the HTTP server (`repl --server`) can have it too.
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
from rich.table import Table
from rich.text import Text

from parseltongue.queries import load_named_queries, named_query
from parseltongue.results import (
    OutputFormat,
    describe_parameters,
    parse_parameters,
    result_csv,
    result_json,
    result_table,
    row_count,
    strip_ansi,
    wide_console_unless_terminal,
)
from parseltongue.storage import QueryResult, StorageError

HISTORY_ENVIRONMENT_VARIABLE = "PARSELTONGUE_HISTORY"
PROMPT = "pt> "
CONTINUATION_PROMPT = "... "

HELP_TEXT = """\
Type Datalog; a statement ends at a blank line, or at the end of a line once it has its
?[...] entry rule, every bracket is closed and the line does not end with an operator or a
comma (so write helper rules before the ?[...] rule, or wrap the program in { }). Example:
    ?[key, name] := *code_entities{key, name, entity_type: 'fn'} :limit 5
Commands:
    :help                 this text
    :relations            the stored relations
    :schema REL           the columns of relation REL
    :queries              the named queries, their parameters and columns
    :run NAME k=v ...     run a named query (values are JSON when they parse: hops=3)
    :format table|json|csv
    :quit                 leave (also Ctrl-D)
"""

# A statement whose last line ends with one of these goes on at the next line.
_CONTINUING_CHARACTERS = ",=+-*/|&<>~:("
_CONTINUING_WORDS = ("or", "and", "not")
_STRING_OR_COMMENT = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"|#[^\n]*")
_SHELL_COMMANDS = ("help", "relations", "schema", "queries", "run", "format", "quit", "exit")
_OPENERS = {"(": ")", "[": "]", "{": "}"}


class DatalogRunner(Protocol):
    """What the shell runs its statements against."""

    def query_table(self, datalog: str, params: Mapping[str, Any] | None = None) -> QueryResult: ...


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


def is_shell_command(line: str) -> bool:
    """`:help`, `:run ...`: a shell command, not a Cozo option such as `:limit 5`."""
    stripped = line.strip()
    return (
        stripped.startswith(":")
        and not stripped.startswith("::")
        and (stripped[1:].split() or [""])[0] in _SHELL_COMMANDS
    )


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
            else:
                self._show(self.runner.query_table(text))
        except StorageError as error:
            self._error(getattr(error, "display", "") or str(error))
        except (KeyError, ValueError) as error:
            self._error(error.args[0] if error.args else str(error))

    def _command(self, text: str) -> None:
        try:
            words = shlex.split(text)
        except ValueError as error:
            raise ValueError(f"cannot read the command: {error}") from None
        self._commands[words[0]](words[1:])

    def _show(self, result: QueryResult) -> None:
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
        self._show(self.runner.query_table("::relations"))

    def _schema(self, arguments: list[str]) -> None:
        if len(arguments) != 1 or not re.fullmatch(r"[A-Za-z_][\w:]*", arguments[0]):
            raise ValueError("give one relation name: :schema code_entities")
        self._show(self.runner.query_table(f"::columns {arguments[0]}"))

    def _queries(self, _arguments: list[str]) -> None:
        table = Table(title="named queries (:run NAME k=v ...)", title_justify="left")
        for header in ("name", "parameters", "columns", "answers"):
            table.add_column(header, overflow="fold")
        for query in load_named_queries().values():
            if not query.writes:
                table.add_row(
                    query.name,
                    describe_parameters(query.parameter_descriptions),
                    ", ".join(query.columns),
                    query.description,
                )
        self.console.print(table)

    def _run(self, arguments: list[str]) -> None:
        if not arguments:
            raise ValueError("give a query name: :run reverse_callers entity=KEY (see :queries)")
        query = named_query(arguments[0])
        if query.writes:
            raise ValueError(f"{query.name!r} writes to the database; the shell only reads")
        params = query.bind(parse_parameters(arguments[1:]))
        self._show(self.runner.query_table(query.script, params))

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
        its own line (`:limit 5`) still belongs to the statement above.
        """
        buffered: list[str] = []
        for raw_line in lines:
            line = raw_line.rstrip("\n")
            stripped = line.strip()
            continues = stripped.startswith(":") and not is_shell_command(stripped)
            if buffered and (
                not stripped or (statement_is_complete("\n".join(buffered)) and not continues)
            ):
                self.execute("\n".join(buffered))
                buffered = []
            if self.finished:
                return
            if not buffered and is_shell_command(stripped):
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
            buffer = event.current_buffer
            text = buffer.text
            ends_with_blank_line = text.endswith("\n") or not text.strip()
            if ends_with_blank_line or is_shell_command(text) or statement_is_complete(text):
                buffer.validate_and_handle()
            else:
                buffer.insert_text("\n")

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
