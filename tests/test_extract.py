"""Tests for crawler.text.extract: golden pages, selectors, ruby, titles, robustness, real pages."""

# ruff: noqa: E501  (long Chinese data lines)
from __future__ import annotations

import contextlib
import json
import random
from collections import Counter
from pathlib import Path

import pytest

from crawler.errors import CrawlerError, ExtractError
from crawler.text.decode import decode
from crawler.text.extract import Extracted, Selectors, extract, strip_site_suffix

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


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("", "empty page"),
        ("   ", "empty page"),
        ("\x00\x01\x02", "empty page"),
        ("<html><body><script>x()</script></body></html>", "no text"),
        ("<html><body><nav><a href='/'>首页</a></nav><img src='a.png'></body></html>", "no text"),
    ],
)
def test_no_text_raises_with_reason(html, reason):
    with pytest.raises(ExtractError, match=reason):
        extract(html, url="http://example.org/a.html")


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


def _char_f1(predicted: str, gold: str) -> float:
    """Multiset F1 over non-whitespace characters (the benchmark's measure)."""
    pred = Counter(ch for ch in predicted if not ch.isspace())
    ref = Counter(ch for ch in gold if not ch.isspace())
    overlap = sum((pred & ref).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize(("name", "floor"), [("article", 0.93), ("forum", 0.8)])
def test_magic_html_mean_f1(corpus_dir, name, floor):
    base = corpus_dir / "magic-html/benchmark/data" / name
    gold = json.loads((base / "base.json").read_text(encoding="utf-8"))
    scores = []
    for page_id, entry in gold.items():
        path = base / "htmls" / f"{page_id}.html"
        if path.is_file():
            scores.append(_char_f1(extract(decode(path.read_bytes()).text).text, entry["content"]))
    assert sum(scores) / len(scores) > floor


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


# -- robustness: deep nesting, huge pages, garbage --------------------------------------

BODY = "全年完成基本公共卫生服务项目考核，居民健康素养水平达到28%，较上年提高3个百分点。"


def test_deeply_nested_tables():
    html = "<html><body>" + "<table><tr><td>" * 5000 + BODY + "</td></tr></table>" * 5000
    html += f"<p>表格之后的一段文字，也应当保留下来：{BODY}{BODY}</p></body></html>"
    text = extract(html).text
    assert BODY in text
    assert "表格之后的一段文字" in text


@pytest.mark.parametrize("closed", [True, False])
def test_deeply_nested_divs(closed):
    html = "<html><body>" + "<div>" * 100_000 + BODY
    if closed:
        html += (
            "</div>" * 100_000
            + f"<p>嵌套之后的一段文字，也应当保留下来：{BODY}{BODY}</p></body></html>"
        )
    text = extract(html).text
    assert BODY in text
    assert not closed or "嵌套之后的一段文字" in text


def test_nesting_deeper_than_kept_keeps_text_and_lines():
    inner = "<p>第一段文字，足够长的一句话。</p><p>第二段文字，足够长的一句话。</p>"
    html = "<html><body>" + "<div><span>" * 400 + inner + "</span></div>" * 400 + "</body></html>"
    assert extract(html).text == "第一段文字，足够长的一句话。\n第二段文字，足够长的一句话。"


def test_huge_page_is_cut_at_the_element_limit(caplog):
    row = f'<div class="item"><p>{BODY}</p><a href="/x">相关链接</a></div>\n'
    html = "<html><head><title>大页面</title></head><body>" + row * (
        20_000_000 // len(row.encode())
    )
    html += "</body></html>"
    assert len(html.encode()) > 19_000_000
    with caplog.at_level("WARNING", logger="crawler.text.html_parse"):
        page = extract(html)
    assert page.text.startswith(BODY)
    assert "ignoring the rest" in caplog.text
    assert page.text.count(BODY) < html.count(BODY)  # bounded work: the tail was not read


def test_huge_text_node_and_attribute_do_not_hide_text():
    pre = "<pre>" + (BODY + "\n") * 120_000 + "</pre>"
    image = '<img src="data:image/png;base64,' + "A" * 12_000_000 + '">'
    html = f"<html><body>{pre}{image}<p>图片之后的一段文字，足够长的一句话。</p></body></html>"
    text = extract(html).text
    assert text.count(BODY) == 120_000
    assert text.endswith("图片之后的一段文字，足够长的一句话。")


@pytest.mark.parametrize("seed", range(6))
def test_binary_garbage_gives_text_or_extract_error(seed):
    data = random.Random(seed).randbytes(300_000)
    texts = [
        data.decode("latin-1"),
        data.decode("utf-8", "replace"),
        data.decode("utf-16-le", "replace"),
    ]
    with contextlib.suppress(CrawlerError):  # decode() refuses bytes it finds binary
        texts.append(decode(data).text)
    for text in texts:
        try:
            page = extract(text)
        except ExtractError:
            continue
        assert page.text


def test_controls_and_surrogates_are_ignored():
    html = "<html><body><p>正文\x00内容\ud800，一句\x1b完整的话。</p></body></html>"
    assert extract(html).text == "正文内容，一句完整的话。"


# -- repeated structure: posts, replies, teasers ----------------------------------------


def _thread(posts: list[str], extra: str = "") -> str:
    """A forum thread page: each post with an author panel, a date line and a reply button."""
    items = "".join(
        f'<div class="post" id="post_{i}"><div class="author"><a href="/u/{i}">用户{i}</a>'
        f'<span class="date">2024-05-{i + 10} 10:00</span></div>'
        f'<div class="post-body">{body}</div><a class="btn" href="/reply/{i}">回复</a></div>'
        for i, body in enumerate(posts)
    )
    return (
        "<html><head><title>帖子 - 论坛</title></head><body>"
        '<div class="menu"><a href="/">首页</a><a href="/f">论坛</a></div>'
        f'<div class="thread">{items}</div>{extra}'
        '<div class="copyright">版权所有，客服电话：400-000-0000。</div></body></html>'
    )


def test_forum_posts_are_taken_together_without_author_lines():
    posts = [
        "卫生院的家庭医生签约服务怎么考核？请了解的朋友说说，谢谢。",
        "我们这里按签约人数和随访次数考核，年底还有群众满意度调查。",
        "同问",
        "有的地方还看慢病控制率，比如血压、血糖的达标情况。",
    ]
    text = extract(_thread(posts)).text
    assert text.splitlines() == posts


def test_posts_together_beat_a_block_longer_than_each():
    posts = ["请问体检报告多久能出来？有没有加急的办法？", "一般三到五个工作日，加急要问体检中心。"]
    about = "<div class='about'><p>本站内容仅供参考，不能代替医生的诊断和治疗，如有疑问，请及时就医。</p></div>"
    assert extract(_thread(posts, extra=about)).text.splitlines() == posts


def test_teaser_list_is_not_taken_for_the_article():
    teasers = "".join(
        f'<li class="card"><h3><a href="/news/{i}.html">第{i}条推荐新闻的标题写得比较长一些</a></h3>'
        f"<p>{BODY}{BODY}</p></li>"
        for i in range(8)
    )
    html = (
        "<html><body><div class='article'><h1>短消息标题</h1>"
        "<p>今天召开了全市卫生健康工作会议，部署了今年的重点任务。</p></div>"
        f"<ul class='feed'>{teasers}</ul></body></html>"
    )
    assert extract(html).text == "今天召开了全市卫生健康工作会议，部署了今年的重点任务。"


def test_selectors_still_win_on_a_thread():
    html = _thread(["第一帖的正文内容，足够长的一句话。", "第二帖的正文内容，也足够长。"])
    page = extract(html, selectors=Selectors(body="#post_1 .post-body"))
    assert page.text == "第二帖的正文内容，也足够长。"


def test_summary_in_page_header_leads_the_text():
    body = "".join(f"<p>{BODY}第{n}段。</p>" for n in range(6))
    links = "".join(f"<li><a href='/t/{n}'>相关词条第{n}个</a></li>" for n in range(30))
    html = (
        "<html><body><div class='top'><div class='poster'><h1>某某词条</h1><dl><dd>"
        "<div class='lemma-summary'>某某，1975年1月28日出生于新加坡，歌手、音乐制作人、词曲创作人。"
        "2000年在新加坡发行首张个人专辑，此后多次获得音乐奖项。</div>"
        f"</dd></dl></div><ul class='links'>{links}</ul></div>"
        f"<div class='wrap'><div class='main'>{body}</div><div class='side'><ul>{links}</ul>"
        "</div></div><div class='footer'>版权所有</div></body></html>"
    )
    text = extract(html).text
    assert text.startswith("某某，1975年1月28日出生于新加坡")
    assert text.count(BODY) == 6 and "相关词条" not in text
    # without a name that says so, a block in the page header is not taken
    assert "1975" not in extract(html.replace("lemma-summary", "box")).text
