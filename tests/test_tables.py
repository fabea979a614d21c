"""Tables keep every figure: a row per line, its cells in order separated by a tab, in the
markups bureau sites emit (pages written here), and on the real wsjkw-sh page."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from crawler.text.process import process
from crawler.text.tables import table_rows

LEAD = "2023年，我局坚持以人民健康为中心，各项工作取得明显成效，现将主要指标完成情况总结如下。"
TAIL = "下一步，我局将继续深化医药卫生体制改革，推动卫生健康事业高质量发展。"


def page(table: str) -> bytes:
    return (
        '<html><head><meta charset="utf-8"><title>区卫生健康局2023年工作总结</title></head>'
        f'<body><div class="nav"><a href="/">首页</a></div><div id="zoom"><p>{LEAD}</p>'
        f"{table}<p>{TAIL}</p></div><div class='footer'>版权所有 ICP备12345678号</div>"
        "</body></html>"
    ).encode()


def rows_of(table: str) -> list[str]:
    text = process(page(table), url="http://wjw.example.gov.cn/a.html").text
    assert LEAD in text and TAIL in text  # the report's sentences stay
    assert "ICP备" not in text and "首页" not in text  # no chrome
    return [line for line in text.splitlines() if "\t" in line]


def cell(text: str) -> str:
    return f'<td><p class="MsoNormal"><span lang="EN-US">{text}</span></p></td>'


def test_word_exported_cells_keep_every_number() -> None:
    table = '<table class="MsoNormalTable" border="1">' + "".join(
        "<tr>" + "".join(cell(v) for v in row) + "</tr>"
        for row in [("序号", "指标", "2023年", "增长"), ("1", "家庭医生签约人数", "520", "12.5%"),
                    ("2", "基层诊疗人次", "1260", "8.1%"), ("3", "健康体检", "812", "85")]
    ) + "</table>"  # fmt: skip
    assert rows_of(table) == [
        "序号\t指标\t2023年\t增长",
        "1\t家庭医生签约人数\t520\t12.5%",
        "2\t基层诊疗人次\t1260\t8.1%",
        "3\t健康体检\t812\t85",
    ]


def test_headers_spans_and_a_table_wrapped_in_divs() -> None:
    table = (
        '<div class="tb"><div><table><thead><tr><th rowspan="2">区域</th>'
        '<th colspan="2">床位数（张）</th><th rowspan="2">占比</th></tr>'
        "<tr><th>2022年</th><th>2023年</th></tr></thead><tbody>"
        '<tr><td rowspan="2">城区</td><td>1,204</td><td>1,316</td><td>46.0%</td></tr>'
        "<tr><td>98</td><td>103</td><td>3.6%</td></tr>"
        "<tr><td>乡镇</td><td>1,402.5</td><td>1,441</td><td>50.4%</td></tr>"
        "</tbody></table></div></div>"
    )
    assert rows_of(table) == [
        "区域\t床位数（张）\t\t占比",
        "区域\t2022年\t2023年\t占比",
        "城区\t1,204\t1,316\t46.0%",
        "城区\t98\t103\t3.6%",
        "乡镇\t1,402.5\t1,441\t50.4%",
    ]


def test_a_layout_table_is_still_read_as_blocks() -> None:
    long = "全年共开展健康教育讲座一百二十场次，" * 20
    html = f"<table><tr><td><div>导航</div></td><td><p>{long}</p></td></tr></table>"
    assert table_rows(lxml.html.fromstring(html)) is None  # a cell of 360 characters


def test_spans_that_are_not_numbers_do_not_shift_cells() -> None:
    html = ('<table><tr><td rowspan="x">甲</td><td colspan="-2">乙</td><td>丙</td></tr>'
            "<tr><td>1</td><td>2</td><td>3</td></tr></table>")  # fmt: skip
    assert table_rows(lxml.html.fromstring(html)) == [["甲", "乙", "丙"], ["1", "2", "3"]]


def test_the_real_wsjkw_sh_page_keeps_its_table(corpus_dir: Path) -> None:
    path = (
        corpus_dir / "wsjkw-sh/wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html"
    )
    if not path.exists():
        pytest.skip(f"{path} not in the corpus")
    text = process(path.read_bytes(), url="https://wsjkw.sh.gov.cn/xwfb/20220426/x.html").text
    rows = text.splitlines()
    assert "本市居住或工作地\t普陀\t954" in rows and "本市居住或工作地\t嘉定\t823" in rows
    assert "境外输入人员（按输入地分）\t美国\t1" in rows
