"""Closing: the base of objects that hold something until `close()`, which `with` calls."""

from __future__ import annotations

from typing import Self


class Closing:
    """Closes on leaving a `with` block; a subclass says what closing releases."""

    def close(self) -> None:
        """Release what this object holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
