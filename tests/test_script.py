"""crawler.text.chinese_script: script detection and conversion to simplified characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.text.chinese_script import detect_script, to_simplified


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("区卫生健康局2024年上半年工作总结", "simplified"),
        ("區衛生健康局2024年上半年工作總結", "traditional"),
        ("衛(wèi)生計生系統(tǒng)是一個很重要的機構(gòu)", "traditional"),
        ("2024年工作", "simplified"),  # no characters that differ
        ("", "simplified"),
        ("Annual report 2024", "simplified"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_mostly_simplified_with_a_few_traditional_words() -> None:
    assert (
        detect_script("卫生健康工作总结：医疗服务能力提升，基層医疗机构建设加快。") == "simplified"
    )


def test_to_simplified() -> None:
    assert to_simplified("鯉城區衛生健康局工作總結") == "鲤城区卫生健康局工作总结"
    assert to_simplified("卫生健康局") == "卫生健康局"
    assert to_simplified("") == ""


def test_seed_scripts(corpus_dir: Path) -> None:
    scripts = {
        p.name[:3]: detect_script(p.read_text(encoding="utf-8"))
        for p in sorted((corpus_dir / "seeds").glob("*.txt"))
    }
    assert scripts == {
        "000": "simplified",
        "001": "simplified",
        "002": "simplified",
        "003": "traditional",
        "004": "traditional",
    }
