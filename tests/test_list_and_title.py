"""A page made of links is a list whatever its title; titles are headlines, never bylines."""

# ruff: noqa: E501  (long Chinese data lines)
from __future__ import annotations

import pytest

from crawler.text.extract import extract
from crawler.text.process import process

REPORTS = [
    "某某县卫生健康局2023年工作总结和2024年工作计划",
    "某某县卫生健康局2022年上半年工作总结",
    "20xx年卫生健康局工作总结范文（通用模板）",
    "某某县卫生健康局关于2022年度法治政府建设工作情况的报告",
    "某某县卫生健康局2021年工作总结及2022年工作思路",
    "某某县卫生健康局2021年上半年工作总结",
    "某某县卫生健康局2020年工作总结和“十四五”工作谋划",
    "县卫健局2019年度工作总结暨2020年工作要点",
]
PARAGRAPHS = [
    "2023年，县卫生健康局在县委、县政府的坚强领导下，坚持以人民健康为中心，全面推进健康某某建设，各项工作取得明显成效。",
    "一、主要工作成效。全县共有医疗卫生机构312个，其中公立医院5个，乡镇卫生院18个，村卫生室246个。",
    "（一）公共卫生服务能力持续提升。全年完成65岁以上老年人健康管理4.2万人，管理率达到72.6%。",
    "（二）医疗服务水平稳步提高。县人民医院新增床位120张，门急诊量达到58.3万人次，同比增长6.4%。",
    "二、存在的问题。基层医疗卫生人才短缺，部分村卫生室服务能力不强，信息化建设相对滞后。",
    "三、2024年工作计划。继续深化医药卫生体制改革，推进紧密型县域医共体建设，提升基层服务能力。",
]


def _page(title: str, main: str, side: str = "") -> bytes:
    return f"""<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/gk">政务公开</a> <a href="/fw">办事服务</a></div>
<div class="main">{main}</div><div class="side">{side}</div>
<div class="footer">版权所有：某某县卫生健康局 备案号：皖ICP备12345678号</div></body></html>""".encode()


def _links(titles: list[str], dated: bool) -> str:
    items = "".join(
        f'<li><a href="/a/{i}.html">{t}</a>{f"<span>2023-0{1 + i % 9}-1{i % 9}</span>" if dated else ""}</li>'
        for i, t in enumerate(titles)
    )
    return f'<h2>工作总结</h2><ul class="list">{items}</ul><div class="page">共8条 1/1页 <a href="?p=1">首页</a></div>'


@pytest.mark.parametrize("dated", [False, True])
def test_a_column_of_report_links_is_a_list_not_a_template_document(dated):
    page = process(
        _page("工作总结_某某县卫生健康局", _links(REPORTS, dated)), url="http://127.0.0.1/gzzj/"
    )
    assert not page.relevance.relevant
    assert any("list page" in r for r in page.relevance.reasons)


def test_a_report_with_links_in_it_is_still_a_document():
    body = (
        "<h1>某某县卫生健康局2023年工作总结</h1>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + '<p>附件：<a href="/f/1.xlsx">2023年主要指标完成情况表</a></p>'
        + '<div class="xgwz">相关链接：<a href="/a/1.html">某某县卫生健康局2022年工作总结</a></div>'
    )
    page = process(
        _page("某某县卫生健康局2023年工作总结_某某县人民政府", body),
        url="http://127.0.0.1/a/9.html",
    )
    assert page.relevance.relevant, page.relevance.reasons
    assert "72.6%" in page.text


def test_list_share_is_measured_on_the_main_text():
    listing = extract(_page("工作总结", _links(REPORTS, False)).decode())
    report = extract(
        _page(
            "报告", "".join(f"<p>{p}</p>" for p in PARAGRAPHS), side=_links(REPORTS[:3], False)
        ).decode()
    )
    assert listing.link_share > 0.8
    assert report.link_share < 0.1


@pytest.mark.parametrize(
    "byline",
    [
        "发布日期:2016-11-22 浏览次数: 信息来源:省发改委",
        "发布时间：2023-05-04 10:21 来源：市卫健委 字号：大 中 小",
    ],
)
def test_a_byline_is_never_the_title(byline):
    body = f'<div class="title_info">{byline}</div>' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = extract(_page("某某县卫生健康局2023年工作总结_某某县人民政府", body).decode())
    assert page.title == "某某县卫生健康局2023年工作总结"


def test_the_title_the_body_agrees_with_wins():
    """A column name styled as the headline loses to a <title> the body bears out."""
    body = '<div class="lm_title">通知公告</div>' + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = extract(_page("某某县卫生健康局2023年工作总结和2024年工作计划", body).decode())
    assert page.title == "某某县卫生健康局2023年工作总结和2024年工作计划"


def test_a_headline_that_agrees_with_the_body_is_kept():
    """A portal's generic <title> does not replace the document's own headline."""
    body = "<h1>2023年工作总结</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = extract(_page("某某县人民政府门户网站", body).decode())
    assert page.title == "2023年工作总结"
