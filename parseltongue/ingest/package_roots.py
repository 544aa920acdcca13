"""The package roots of an ingestion (`languages/roots.py`): found for the files a walk
collects, recorded with the ingestion, and compared with the recorded ones, since a module
path follows from a file's path and its roots (an update whose files would answer to other
module paths than those stored rebuilds instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from parseltongue.extract import EntityRecord, module_qualified_name
from parseltongue.ingest.walk import FileCollection
from parseltongue.languages import LanguageSpec, language_for_path
from parseltongue.languages.roots import PackageRoots, find_package_roots

META_PACKAGE_ROOTS = "package_roots"
ROOTS_CHANGED = (
    "the package roots changed (a package or module marker such as __init__.py or go.mod "
    "above or inside the folder)"
)


def collection_roots(collection: FileCollection) -> PackageRoots:
    """The roots that begin the module paths of the collection's files."""
    return find_package_roots(
        collection.root,
        ((collected.relative_path, collected.language) for collected in collection.files),
    )


def roots_of_paths(root: Path, paths: Iterable[str]) -> PackageRoots:
    """The roots that begin the module paths of these files (paths under `root`)."""
    return find_package_roots(root, _with_languages(paths))


def stored_roots(meta: dict[str, str]) -> PackageRoots:
    """The roots the stored ingestion's module paths were made with."""
    return PackageRoots.from_json(meta.get(META_PACKAGE_ROOTS))


def roots_changed(stored: PackageRoots, current: PackageRoots, paths: Iterable[str]) -> bool:
    """Whether any of these files (paths under the root) answers to other module paths under
    the current roots than under the stored ones."""
    return current.differ_for(stored, _with_languages(paths))


def _with_languages(paths: Iterable[str]) -> list[tuple[str, str]]:
    files = []
    for path in paths:
        spec = language_for_path(path)
        if spec is not None:
            files.append((path, spec.name))
    return files


def roots_meta_row(roots: PackageRoots) -> list[str]:
    """The meta row recording an ingestion's roots."""
    return [META_PACKAGE_ROOTS, roots.to_json()]


def entities_named_from_roots(
    entities: tuple[EntityRecord, ...], spec: LanguageSpec | None, roots: PackageRoots
) -> tuple[EntityRecord, ...]:
    """A file's entities with its module entity (the first) named from its module path, so
    that `django/db/models/base.py` is `django.db.models.base` whichever folder was ingested
    (the extractor names it from the path under the ingested folder)."""
    if not entities or spec is None:
        return entities
    module = entities[0]
    module_file = roots.module_file_path(module.file_path, spec.name)
    if module.entity_type != "module" or module_file == module.file_path:
        return entities
    qualified = module_qualified_name(module_file, spec)
    name = qualified.rsplit(spec.scope_separator, 1)[-1]
    return (module._replace(name=name, qualified_name=qualified), *entities[1:])
