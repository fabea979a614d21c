"""The two floors (../shared/DESIGN.md): the text layer imports no network, disk or crawl
code, and the archive takes from the crawler only the text layer and the version."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the text layer may use besides the standard library and itself.
TEXT_LIBRARIES = {"lxml", "chardet", "docx", "olefile", "pypdf", "opencc", "tomli"}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (`from crawler import x` gives crawler.x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", sorted((ROOT / "crawler" / "text").glob("*.py")), ids=str)
def test_the_text_layer_imports_only_text_code(path: Path) -> None:
    wrong = {
        name
        for name in imports(path)
        if not (
            name.startswith("crawler.text")
            or _top(name) in sys.stdlib_module_names - {"sqlite3"}
            or _top(name) in TEXT_LIBRARIES
            or name == "__future__"
        )
    }
    assert not wrong, f"{path.name} imports {sorted(wrong)}"


@pytest.mark.parametrize("path", sorted((ROOT / "archive").glob("*.py")), ids=str)
def test_the_archive_takes_only_the_text_layer_from_the_crawler(path: Path) -> None:
    wrong = {
        name
        for name in imports(path)
        if _top(name) in ("crawler", "spiders", "scrapy", "twisted", "scrapy_redis", "redis")
        and not name.startswith("crawler.text")
        and name not in ("crawler", "crawler.__version__")
    }
    assert not wrong, f"archive/{path.name} imports {sorted(wrong)}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from scrapy.http import Request\n    import archive.store\n")
    assert {"scrapy.http", "archive.store"} <= imports(module)


@pytest.mark.parametrize("path", sorted((ROOT / "spiders").rglob("*.py")), ids=str)
def test_the_spiders_do_not_reach_into_the_fleet(path: Path) -> None:
    """The fleet owns its spider (crawler/fleet/spider.py); spiders/ knows nothing of it."""
    assert not {name for name in imports(path) if name.startswith("crawler.fleet")}


def test_the_package_ships_no_test_or_bench_sites() -> None:
    """The demo's sample sites stay in the package; test and bench sites live in tests/."""
    shipped = {p.stem for p in (ROOT / "crawler" / "sample_site").glob("*.py")}
    assert not shipped & {"faults", "generated"}
    assert (ROOT / "tests" / "sites" / "faults.py").is_file()


def test_every_slow_file_named_exists() -> None:
    """The quick loop (`-m "not slow"`) leaves out the files conftest.py names: a file
    renamed would slip into it unnoticed."""
    from conftest import SLOW_FILES

    assert all((ROOT / "tests" / name).is_file() for name in SLOW_FILES)
