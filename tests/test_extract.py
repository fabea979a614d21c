"""Tests for crawler.extract: golden pages, selectors, ruby, titles, real pages."""

# ruff: noqa: E501  (long Chinese data lines)
from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.decode import decode
from crawler.errors import ExtractError
from crawler.extract import Extracted, Selectors, extract, strip_site_suffix

GOLDEN = Path(__file__).resolve().parent / "pages" / "extract"
CASES = sorted(p.stem for p in GOLDEN.glob("*.html"))


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    page = extract((GOLDEN / f"{case}.html").read_text(encoding="utf-8"))
    assert isinstance(page, Extracted)
    if "title" in expected:
        assert page.title == expected["title"]
    if "text" in expected:
        assert page.text == expected["text"]
    for fragment in expected.get("must_contain", []):
        assert fragment in page.text
    for fragment in expected.get("must_not_contain", []):
        assert fragment not in page.text
    for key, value in expected.get("meta", {}).items():
        assert page.meta[key] == value


def test_golden_cases_exist():
    assert len(CASES) >= 3


ARTICLE = """<html><head><title>工作总结_某区卫健委</title></head><body>
<div class="left"><a href="/1">首页</a><a href="/2">机构</a><a href="/3">公开</a></div>
<div class="doc"><h2 class="art-title">某区卫健委2023年工作总结</h2>
<span class="pubdate">2023-12-29</span>
<div class="body">
<p>一年来，我们坚持以人民健康为中心，各项工作取得新进展，卫生健康事业实现高质量发展。</p>
<p>全年完成基本公共卫生服务项目考核，居民健康素养水平达到28%，较上年提高3个百分点。</p>
</div></div>
<div class="links"><a href="/a">上一篇：某区卫健委2022年工作总结</a><a href="/b">下一篇：其他</a></div>
</body></html>"""


def test_general_method_finds_body_and_heading():
    page = extract(ARTICLE)
    assert page.title == "某区卫健委2023年工作总结"
    assert page.text.startswith("一年来，我们坚持以人民健康为中心")
    assert "居民健康素养水平达到28%" in page.text
    assert "首页" not in page.text and "上一篇" not in page.text
    assert page.date_text is None


def test_selectors_win_when_they_match():
    sel = Selectors(body="div.body p:last-child", title="span.pubdate", date="span.pubdate")
    page = extract(ARTICLE, selectors=sel)
    assert (
        page.text
        == "全年完成基本公共卫生服务项目考核，居民健康素养水平达到28%，较上年提高3个百分点。"
    )
    assert page.title == "2023-12-29"
    assert page.date_text == "2023-12-29"


def test_selectors_fall_back_when_they_do_not_match():
    page = extract(ARTICLE, selectors=Selectors(body="#nothing", date=".nothing"))
    assert "居民健康素养水平" in page.text
    assert page.date_text is None


def test_invalid_selector_raises():
    with pytest.raises(ExtractError):
        extract(ARTICLE, selectors=Selectors(body="div[["))


def test_ruby_keeps_base_text():
    html = (
        "<html><body><p><ruby>衛<rp>(</rp><rt>wèi</rt><rp>)</rp></ruby>生<ruby>計<rt>jì</rt>"
        "</ruby>生工作穩步推進，全年各項指標均按計劃完成。</p></body></html>"
    )
    assert extract(html).text == "衛生計生工作穩步推進，全年各項指標均按計劃完成。"


def test_br_is_a_line_break_and_title_fallback():
    html = "<html><head><title>年度报告 - 某某网</title></head><body><div>第一段文字内容。<br>第二段文字内容。</div></body></html>"
    page = extract(html)
    assert page.text == "第一段文字内容。\n第二段文字内容。"
    assert page.title == "年度报告"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2023年工作要点_XX市卫健委", "2023年工作要点"),
        ("工作总结 - 某某网", "工作总结"),
        (
            "关于印发2023年工作要点的通知_政务公开_某市卫生健康委员会",
            "关于印发2023年工作要点的通知",
        ),
        ("武汉的声音：有英勇的你！-新华网", "武汉的声音：有英勇的你！"),
        ("工作计划", "工作计划"),
    ],
)
def test_strip_site_suffix(raw, expected):
    assert strip_site_suffix(raw) == expected


@pytest.mark.parametrize("html", ["", "   ", "<html><body><script>x()</script></body></html>"])
def test_no_text_raises(html):
    with pytest.raises(ExtractError):
        extract(html)


def test_xml_declaration_is_accepted():
    html = '<?xml version="1.0" encoding="gb2312"?><html><body><p>正文内容一段，足够长的句子。</p></body></html>'
    assert "正文内容一段" in extract(html).text


def test_trafilatura_eval_pages(corpus_dir):
    base = corpus_dir / "trafilatura-zh"
    gold = json.loads((base / "evaldata.zh-subset.json").read_text(encoding="utf-8"))
    for entry in gold.values():
        path = base / "tests" / "eval" / entry["file"]
        page = extract(decode(path.read_bytes()).text)
        found = [fragment for fragment in entry["with"] if fragment in page.text]
        assert len(found) >= len(entry["with"]) - 1, entry["file"]
        assert page.title
        assert page.title.strip() in entry["title"] or entry["title"].strip() in page.title


def test_government_article_page(corpus_dir):
    path = (
        corpus_dir / "wsjkw-sh/wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html"
    )
    page = extract(decode(path.read_bytes()).text)
    assert page.text.startswith("市卫健委今早（26日）通报")
    assert "新增本土新冠肺炎确诊病例1661例" in page.text


def test_magic_html_articles_mostly_found(corpus_dir):
    base = corpus_dir / "magic-html/benchmark/data/article"
    gold = json.loads((base / "base.json").read_text(encoding="utf-8"))
    hits = total = 0
    for page_id, entry in gold.items():
        path = base / "htmls" / f"{page_id}.html"
        if not path.is_file():
            continue
        total += 1
        text = extract(decode(path.read_bytes()).text).text
        first = entry["content"].strip().splitlines()[0][:15]
        hits += first in text
    assert total == 54
    assert hits / total > 0.8
