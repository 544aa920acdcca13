"""The installed package's version (a module of its own, so any module can import it)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("parseltongue")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+checkout"
