"""The bets the archive's Datasette plugin places on Datasette, all here, checked at import.

Datasette's plugin hooks are its public API; what they hand a plugin is not all of it:
- a facet class (`register_facet_classes`) subclasses `Facet` / `ColumnFacet` and uses
  their `get_configs`, `get_querystring_pairs`, `get_facet_size` and attributes
  (`ds`, `request`, `database`, `table`, `sql`, `params`), which Datasette calls unstable;
- the helpers `escape_sqlite`, `path_with_added_args`, `path_with_removed_args`;
- `FilterArguments` (what `filters_from_request` returns), `BadRequest`,
  `QueryInterrupted`, and the `Datasette` methods `expand_foreign_keys`, `absolute_url`,
  `setting`, `execute` (with `custom_time_limit`).

Importing this module checks the modules' names, and the plugin's `startup` hook (or
`crawler serve`, before it starts Datasette) checks the `Datasette` class: Datasette imports
its plugins while `datasette.app` is still loading. Either raises IncompatibleVersion, one
line, when a Datasette release moved a name; `tests/test_fences.py` checks the check.
"""

from __future__ import annotations

import importlib
import inspect
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from crawler.text.errors import fence_failure

TESTED = "Datasette 0.65.5 and 1.0a41 (pyproject allows >=0.65,<0.66)"

NAMES = {  # module: names it must have ("Class.method" for a method)
    "datasette": ["hookimpl"],
    "datasette.database": ["QueryInterrupted"],
    "datasette.facets": ["Facet.get_configs", "Facet.get_querystring_pairs",
                         "Facet.get_facet_size", "ColumnFacet.facet_results"],
    "datasette.filters": ["FilterArguments"],
    "datasette.utils": ["escape_sqlite", "path_with_added_args", "path_with_removed_args"],
    "datasette.utils.asgi": ["BadRequest"],
}  # fmt: skip


APP_METHODS = ("expand_foreign_keys", "absolute_url", "setting", "execute")


def missing(app: type | None = None) -> list[str]:
    """The names this project uses that the installed Datasette lacks (`app`: the
    `Datasette` class, checked too when given)."""
    gone = []
    for module_name, names in NAMES.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            gone.append(module_name)
            continue
        for dotted in names:
            owner, _, name = dotted.rpartition(".")
            cls = getattr(module, owner, None) if owner else module
            # a class's method must be its own: an inherited one is another method
            if cls is None or name not in (vars(cls) if owner else dir(cls)):
                gone.append(f"{module_name}.{dotted}")
    if app is not None:
        gone += [f"Datasette.{name}" for name in APP_METHODS if not hasattr(app, name)]
        execute = getattr(app, "execute", None)
        if execute and "custom_time_limit" not in inspect.signature(execute).parameters:
            gone.append("Datasette.execute(custom_time_limit=)")
    return gone


def check(app: type | None = None) -> None:
    """Raise IncompatibleVersion when the installed Datasette moved a name used here."""
    if gone := missing(app):
        raise fence_failure("datasette", version("datasette"), gone, TESTED)


check()

from datasette import hookimpl  # noqa: E402
from datasette.database import QueryInterrupted  # noqa: E402
from datasette.facets import ColumnFacet, Facet  # noqa: E402
from datasette.filters import FilterArguments  # noqa: E402
from datasette.utils import (  # noqa: E402
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
)
from datasette.utils.asgi import BadRequest  # noqa: E402

__all__ = [
    "TESTED", "BadRequest", "ColumnFacet", "Facet", "FilterArguments", "QueryInterrupted",
    "check", "config_args", "escape_sqlite", "expand_foreign_keys", "hookimpl",
    "path_with_added_args", "path_with_removed_args",
]  # fmt: skip

# the differences between the two lines, in one place
_ONE = int(version("datasette").split(".")[0]) >= 1


async def expand_foreign_keys(
    ds: Any, request: Any, database: str, table: str, column: str, values: list
) -> dict:
    """{(column, value): label}: Datasette 1.0 asks for the actor who sees the labels."""
    if _ONE:
        actor = getattr(request, "actor", None)
        return await ds.expand_foreign_keys(actor, database, table, column, values)
    return await ds.expand_foreign_keys(database, table, column, values)


def config_args(metadata: dict, folder: Path) -> list[str]:
    """The `datasette serve` arguments that give it `metadata`: Datasette 1.0 takes canned
    queries from its configuration file only, so they go there (written into `folder`)."""
    metadata = json.loads(json.dumps(metadata))
    config: dict = {}
    if _ONE:
        for name, database in metadata.get("databases", {}).items():
            if "queries" in database:
                config.setdefault("databases", {})[name] = {"queries": database.pop("queries")}
    args = []
    for option, content in (("--metadata", metadata), ("--config", config)):
        if content:
            path = folder / f"{option.strip('-')}.json"
            path.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
            args += [option, str(path)]
    return args
