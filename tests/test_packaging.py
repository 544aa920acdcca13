"""A wheel install, not only an editable one, carries the Datalog and the grammar queries."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def test_wheel_carries_every_query_file_and_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(tmp_path), str(REPOSITORY)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("parseltongue-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    expected = {f"parseltongue/queries/{p.name}" for p in (REPOSITORY / "queries").glob("*.cozo")}
    assert expected and expected <= names
    languages = {
        f"parseltongue/languages/{p.name}"
        for pattern in ("*.toml", "*.scm")
        for p in (REPOSITORY / "parseltongue" / "languages").glob(pattern)
    }
    assert languages and languages <= names
    # From the unpacked wheel alone (no checkout on the path), queries load and a database opens.
    probe = (
        "import parseltongue.queries as q, parseltongue.storage as s\n"
        "print(q.queries_directory())\n"
        "print(s.CozoDbStorage.new_mem().get_stats().total_entities)\n"
        "import parseltongue.languages as l\n"
        "print(l.language_for_path('a.lua').query_text() is not None, len(l.LANGUAGES))\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r})\n"
         + probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    directory, total, lua_query_found, registry_rows = result.stdout.split()
    assert directory == str(tmp_path / "site" / "parseltongue" / "queries")
    assert total == "0"
    # The language files travel in the wheel: the registry reads them from the package.
    assert lua_query_found == "True"
    assert int(registry_rows) == len(list((REPOSITORY / "parseltongue" / "languages").glob(
        "*.toml"))) + 1  # TSX is a variant inside typescript.toml
