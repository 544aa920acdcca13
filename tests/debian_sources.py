"""Real Rust sources for tests and benchmarks: crates Debian ships, cached under `.cache/`.

A `librust-*-dev` package holds a crate's source under `usr/share/cargo/registry/<crate>-<ver>/`.
Fetched once with `apt-get download` (no root needed) and `dpkg -x`; later runs reuse the cache.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
CACHE = REPOSITORY / ".cache" / "debian-crates"
# Small, widely used crates: about 0.4 MB of packages, 3.7 MB of Rust.
RUST_CRATE_PACKAGES = ("librust-serde-dev", "librust-syn-dev", "librust-regex-syntax-dev")


def debian_crate_roots(packages: tuple[str, ...] = RUST_CRATE_PACKAGES) -> list[Path]:
    """The source folder of each package's crate, downloading what the cache lacks."""
    roots: list[Path] = []
    for package in packages:
        unpacked = CACHE / package
        if not (unpacked / ".complete").exists():
            _download_and_unpack(package, unpacked)
        roots.extend(sorted((unpacked / "usr/share/cargo/registry").iterdir()))
    return roots


def _download_and_unpack(package: str, destination: Path) -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise RuntimeError(f"need apt-get and dpkg to fetch {package}; or unpack it into {CACHE}")
    with tempfile.TemporaryDirectory() as download_dir:
        if _apt_download(package, download_dir).returncode != 0:
            # A fresh machine has no package lists yet: fetch them once and retry.
            subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
            result = _apt_download(package, download_dir)
            if result.returncode != 0:
                raise RuntimeError(f"apt-get download {package} failed: {result.stderr.strip()}")
        shutil.rmtree(destination, ignore_errors=True)
        destination.mkdir(parents=True)
        for deb in Path(download_dir).glob("*.deb"):
            subprocess.run(["dpkg", "-x", str(deb), str(destination)], check=True)
    (destination / ".complete").write_text(package + "\n")


def _apt_download(package: str, directory: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["apt-get", "download", package],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )


def rust_files(roots: list[Path]) -> list[tuple[str, bytes]]:
    """(path relative to the crates' common parent, bytes) of every `.rs` file, sorted."""
    return [
        (path.relative_to(root.parent).as_posix(), path.read_bytes())
        for root in roots
        for path in sorted(root.rglob("*.rs"))
    ]
