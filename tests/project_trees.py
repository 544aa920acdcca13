"""Small source trees written to disk for the ingestion tests: real files, known contents."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, text: str | bytes) -> Path:
    """Write a file, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def python_module(index: int) -> str:
    """A module with a class, two methods and a function that calls into the next module."""
    return (
        f"from pkg import mod_{index + 1} as following\n\n\n"
        f"class Worker{index}:\n"
        f"    def run(self):\n"
        f"        return self.step()\n\n"
        f"    def step(self):\n"
        f"        return {index}\n\n\n"
        f"def entry_{index}():\n"
        f"    worker = Worker{index}()\n"
        f"    worker.run()\n"
        f"    return following.entry_{index + 1}()\n"
    )


def rust_module(index: int) -> str:
    """A file with a struct, an impl with two methods and a function calling them."""
    return (
        f"pub struct Counter{index} {{ value: u32 }}\n\n"
        f"impl Counter{index} {{\n"
        f"    pub fn new() -> Self {{ Counter{index} {{ value: {index} }} }}\n"
        f"    pub fn bump(&mut self) {{ self.value += 1; }}\n"
        f"}}\n\n"
        f"pub fn drive_{index}() {{\n"
        f"    let mut counter = Counter{index}::new();\n"
        f"    counter.bump();\n"
        f"}}\n"
    )


def write_mixed_project(root: Path, python_files: int, rust_files: int) -> Path:
    """`pkg/mod_<i>.py` and `src/unit_<i>.rs` files that reference one another."""
    for index in range(python_files):
        write(root / "pkg" / f"mod_{index}.py", python_module(index))
    if python_files:
        write(root / "pkg" / "__init__.py", "")
    for index in range(rust_files):
        write(root / "src" / f"unit_{index}.rs", rust_module(index))
    return root
