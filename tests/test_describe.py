"""crawler.text.describe: metadata of cleaned documents, and the vocabulary file behind it."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from crawler.errors import RulesError
from crawler.text.describe import (
    Description,
    clean_title,
    describe,
    find_doc_type,
    find_period,
    find_published,
    find_spun,
    lookup_region,
)
from crawler.text.process import process
from crawler.text.regions import common_province, gazetteer, load_gazetteer, narrow, resolve
from crawler.text.vocabulary import load_vocabulary, vocabulary

BODY = "一、主要工作\n（一）医疗服务能力提升。\n（二）公共卫生服务加强。\n二、下一步工作打算\n"
LABELED = Path(__file__).resolve().parent / "pages" / "describe" / "labeled.toml"
CASES = tomllib.loads(LABELED.read_text(encoding="utf-8"))["case"]
DEFAULTS = {"script": "simplified", "is_template": False, "spun": False}
FIELDS = {f.name for f in fields(Description)}


def expected(case: dict[str, Any]) -> dict[str, Any]:
    """The fields a labeled case asserts, with defaults and the fields listed as `none`."""
    want = dict(DEFAULTS)
    want.update({k: v for k, v in case["expect"].items() if k != "none"})
    want.update(dict.fromkeys(case["expect"].get("none", [])))
    return want


def describe_case(case: dict[str, Any]) -> Description:
    return describe(
        title=case.get("title"),
        text=case["body"],
        url=case.get("url"),
        raw_text=case.get("raw_text"),
        meta=case.get("meta"),
        date_text=case.get("date_text"),
    )


def test_labeled_set_is_well_formed() -> None:
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert set(expected(case)) <= FIELDS, case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_labeled_case(case: dict[str, Any]) -> None:
    d = describe_case(case)
    want = expected(case)
    got = {k: getattr(d, k) for k in want}
    assert got == want


# What the whole pipeline (decode → clean → describe) gives for the five seeds.
SEEDS = {
    "000": dict(
        title="2023年区卫生人口计生局年度工作报告", year=2023, period="年度",
        doc_type="工作报告", agency="区卫生人口计生局", region=None, province=None,
        division_code=None, script="simplified", is_template=False, spun=True, published=None,
    ),
    "001": dict(
        title="xx县卫健委20xx年工作总结及20xx年工作打算", year=None, period="年度",
        doc_type="工作总结", agency="县卫健委", region=None, division_code=None,
        script="simplified", is_template=True, spun=False,
    ),
    "002": dict(
        title="上半年区卫生局工作总结", year=None, period="上半年", doc_type="工作总结",
        agency="区卫生局", region="成华区", province="四川省", division_code="510108",
        published="2014-11-13", script="simplified", is_template=False, spun=False,
    ),
    "003": dict(
        year=2018, period="年度", doc_type="讲话", region=None, agency=None,
        script="traditional", is_template=False, spun=False,
    ),
    "004": dict(
        title="鲤城区卫生健康局2024年上半年工作总结及下一步工作计划", year=2024,
        period="上半年", doc_type="工作总结", agency="鲤城区卫生健康局", region="鲤城区",
        province="福建省", division_code="350502", published="2024-06-10",
        script="traditional", is_template=False, spun=False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_through_the_pipeline(corpus_dir: Path, prefix: str) -> None:
    path = next((corpus_dir / "seeds").glob(f"{prefix}_*.txt"))
    d = process(path.read_bytes(), url=None, content_type="text/plain").description
    want = SEEDS[prefix]
    assert {k: getattr(d, k) for k in want} == want


def _seed(corpus_dir: Path, prefix: str) -> str:
    return next((corpus_dir / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def test_seed_000_wenku_report(corpus_dir: Path) -> None:
    raw = _seed(corpus_dir, "000")
    d = describe(title="2023年区卫生人口计生局年度工作报告.docx", text=raw, raw_text=raw)
    assert d.title == "2023年区卫生人口计生局年度工作报告"
    assert (d.year, d.period, d.doc_type) == (2023, "年度", "工作报告")
    assert d.agency == "区卫生人口计生局"
    assert d.region is None  # the document never names its district (XX县区)
    assert (d.script, d.is_template, d.published) == ("simplified", False, None)


def test_seed_001_template(corpus_dir: Path) -> None:
    raw = _seed(corpus_dir, "001")
    d = describe(title=raw.splitlines()[0], text=raw, raw_text=raw)
    assert d.title == "xx县卫健委20xx年工作总结及20xx年工作打算"
    assert d.is_template is True
    assert d.year is None
    assert d.doc_type == "工作总结"
    assert d.agency == "县卫健委"
    assert d.region is None


def test_seed_002_fanwen_half_year(corpus_dir: Path) -> None:
    raw = _seed(corpus_dir, "002")
    d = describe(title="上半年区卫生局工作总结", text=raw, raw_text=raw)
    assert (d.region, d.period, d.agency) == ("成华区", "上半年", "区卫生局")
    assert d.published == "2014-11-13"
    assert d.doc_type == "工作总结"
    assert d.year is None  # no year in title or opening; the repost date does not count


def test_seed_003_speech(corpus_dir: Path) -> None:
    # A speech at a 卫生计生工作会议 that reviews 2017 and deploys 2018 work. Decision: such
    # speeches are filed under the year they deploy (as their titles usually say:
    # 在2018年全市卫生计生工作会议上的讲话), so year is 2018.
    raw = _seed(corpus_dir, "003")
    d = describe(title=None, text=raw, raw_text=raw)
    assert d.doc_type == "讲话"
    assert d.year == 2018
    assert d.period == "年度"
    assert d.script == "traditional"
    assert d.is_template is False  # a real speech with names replaced by xx, not a 范文


def test_seed_004_traditional_repost(corpus_dir: Path) -> None:
    raw = _seed(corpus_dir, "004")
    lines = [ln for ln in raw.splitlines() if ln.strip()]
    d = describe(title=lines[1], text=raw, raw_text=raw)
    assert d.title == "鲤城区卫生健康局2024年上半年工作总结及下一步工作计划"
    assert (d.region, d.province, d.agency) == ("鲤城区", "福建省", "鲤城区卫生健康局")
    assert (d.year, d.period, d.doc_type) == (2024, "上半年", "工作总结")
    assert d.published == "2024-06-10"
    assert d.script == "traditional"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("区卫健委2023年工作总结_某某范文网", "区卫健委2023年工作总结"),
        ("县卫生局上半年工作总结 - 范文网", "县卫生局上半年工作总结"),
        ("卫健委工作总结【3000字】", "卫健委工作总结"),
        ("2023年卫生健康工作要点.pdf", "2023年卫生健康工作要点"),
        ("久久精品国产_县卫健委2023年工作总结", "县卫健委2023年工作总结"),
        ("疫情通报_上海市卫生健康委员会", "疫情通报"),
        ("衛(wèi)生局工作總結(jié)", "卫生局工作总结"),
        ("  ", None),
        (None, None),
    ],
)
def test_clean_title(raw: str | None, clean: str | None) -> None:
    assert clean_title(raw) == clean


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"date_text": "2023年5月4日"}, "2023-05-04"),
        ({"meta": {"article:published_time": "2022-01-02T08:00:00+08:00"}}, "2022-01-02"),
        ({"meta": {"pubdate": "2021/3/9"}}, "2021-03-09"),
        ({"raw_text": "首页\n发布日期：2024-06-10 16:58 浏览次数：3"}, "2024-06-10"),
        ({"raw_text": "公开日期: 2023.12.01"}, "2023-12-01"),
        ({"url": "https://wsjkw.example.gov.cn/art/2023/5/4/art_1229_58.html"}, "2023-05-04"),
        ({"url": "http://www.example.gov.cn/zwgk/202305/t20230504_123.html"}, "2023-05-04"),
        ({"url": "http://example.com/2023-05-04/1.html"}, "2023-05-04"),
        ({"raw_text": "发布时间：2023-02-30"}, None),
        ({}, None),
    ],
)
def test_published(kwargs: dict, expected: str | None) -> None:
    assert find_published(**kwargs) == expected


@pytest.mark.parametrize(
    ("title", "text", "doc_type"),
    [
        ("县卫健委2023年工作总结及下一步工作计划", BODY, "工作总结"),
        ("xx县卫健委20xx年工作总结及20xx年工作打算", BODY, "工作总结"),
        ("县卫健委2024年工作打算", BODY, "工作计划"),
        ("关于印发2024年卫生健康工作要点的通知", BODY, "工作要点"),
        ("2023年区卫生局年度工作报告", BODY, "工作报告"),
        ("在全市卫生健康工作会议上的讲话", BODY, "讲话"),
        (None, "同志们：\n这次全市卫生计生工作会议的任务是……", "讲话"),
        ("2018年度的工作计划是什么", "同志们：\n这次会议……", "讲话"),
        (None, "现将上半年工作总结如下：", "工作总结"),
        ("区卫健委召开新闻发布会", "会上介绍了……", "其他"),
    ],
)
def test_doc_type(title: str | None, text: str, doc_type: str) -> None:
    assert find_doc_type(title, text) == doc_type


@pytest.mark.parametrize(
    ("title", "period"),
    [
        ("2024年上半年工作总结", "上半年"),
        ("下半年工作计划", "下半年"),
        ("2023年第三季度工作总结", "季度"),
        ("2023年5月份工作总结", "月度"),
        ("2023年工作总结", "年度"),
        ("区卫生局年度工作报告", "年度"),
        ("卫生局工作总结", None),
    ],
)
def test_period(title: str, period: str | None) -> None:
    assert find_period(title, "") == period


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("2023年工作总结及2024年工作计划", 2023),
        ("2024年上半年工作总结", 2024),
        ("xx县20xx年工作总结", None),
    ],
)
def test_year_from_title(title: str, year: int | None) -> None:
    assert describe(title=title, text="发布时间：2025-01-01\n" + BODY).year == year


def test_year_from_body_not_from_publication_date() -> None:
    text = "2021年，区卫生健康局扎实推进各项工作。2021年完成……" + BODY
    d = describe(title="区卫生健康局工作总结", text=text, date_text="2022-01-05")
    assert (d.year, d.published) == (2021, "2022-01-05")


@pytest.mark.parametrize(
    ("title", "region", "province", "agency"),
    [
        ("鲤城区卫生健康局2024年工作要点", "鲤城区", "福建省", "鲤城区卫生健康局"),
        ("泉州市卫健委2024年工作要点", "泉州市", "福建省", "泉州市卫健委"),
        ("福建省卫生健康委员会2023年工作总结", "福建省", "福建省", "福建省卫生健康委员会"),
        ("2023年区卫生局工作总结", None, None, "区卫生局"),
        ("成华区2014年卫生工作总结", "成华区", "四川省", None),
        ("xx县卫健委工作总结", None, None, "县卫健委"),
    ],
)
def test_region_and_agency(
    title: str, region: str | None, province: str | None, agency: str | None
) -> None:
    d = describe(title=title, text=BODY)
    assert (d.region, d.province, d.agency) == (region, province, agency)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("成都市", ("成都市", "四川省")),
        ("四川省", ("四川省", "四川省")),
        ("成华区", ("成华区", "四川省")),
        ("成华", ("成华区", "四川省")),
        ("鯉城區", ("鲤城区", "福建省")),
        ("义乌市", ("义乌市", "浙江省")),
        ("恩施州", ("恩施土家族苗族自治州", "湖北省")),
        ("朝阳区", ("朝阳区", None)),
        ("鼓楼区", ("鼓楼区", None)),
        ("朝阳", (None, None)),
        ("襄樊市", ("襄樊市", "湖北省")),
        ("枫林区", ("枫林区", None)),
        ("郊区", (None, None)),
        ("两个区", (None, None)),
        ("社区", (None, None)),
        ("示范区", (None, None)),
        ("加快区", (None, None)),
        ("xx县", (None, None)),
        ("区委区", (None, None)),
    ],
)
def test_lookup_region(name: str, expected: tuple[str | None, str | None]) -> None:
    assert lookup_region(name) == expected


def test_template_flag() -> None:
    assert describe(title="xx县卫健委工作总结", text=BODY).is_template
    assert describe(title=None, text="20xx年，县卫健委……" + BODY).is_template
    assert not describe(title="鲤城区卫健委2023年工作总结", text=BODY).is_template


def test_bundled_vocabulary_loads() -> None:
    vocab = load_vocabulary()
    assert [name for name, _ in vocab.doc_types][:2] == ["讲话", "工作总结"]
    assert "福州市" in vocab.provinces["福建省"]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("separators = ", "separators_gone = ", "title.separators"),
        ("placeholder = '[xX×]{2,}", "placeholder = '[xX×{2,}", "template.placeholder"),
        ('name = "工作要点"', 'name = "工作要求"', "doc_type[2].name"),
        ("min_chars = 150", 'min_chars = "many"', "relevance.min_chars"),
        ('"效劳" = "服务"', '"效劳" = "效劳"', "spun.pairs.效劳"),
        ("offset = -1", "offset = 5", "year.from_published[1].offset"),
        ("figures_min = 3", "figures_min = -3", "template.figures_min"),
    ],
)
def test_bad_vocabulary_names_file_and_field(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    source = Path(__file__).resolve().parents[1] / "crawler" / "text" / "rules" / "vocabulary.toml"
    text = source.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "vocabulary.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_vocabulary(bad)
    assert str(bad) in str(info.value)
    assert field in str(info.value)


def test_unreadable_vocabulary(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_vocabulary(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[title\n", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid TOML"):
        load_vocabulary(broken)


def test_spun_needs_frequent_spun_forms_and_few_normal_ones() -> None:
    spun = "家庭医生效劳全面推进，夯实根底，方案生育效劳管理加强，签约效劳率提高。" * 3
    assert find_spun(spun)[0] is True
    assert find_spun(spun)[1] == 1.0
    once = "我们提供优质效劳。" + "加强基本公共卫生服务，完善基础设施。" * 20
    assert find_spun(once)[0] is False
    mixed = spun + "服务基础计划生育" * 30
    assert find_spun(mixed)[0] is False
    assert find_spun(BODY) == (False, 0.0)


def test_description_keeps_its_first_ten_fields() -> None:
    d = Description("t", None, 2023, "年度", "工作总结", None, None, None, "simplified", False)
    assert (d.division_code, d.spun, d.spun_score) == (None, False, 0.0)


def test_every_field_the_code_reads_is_validated_on_load() -> None:
    vocab = vocabulary()
    assert vocab.patterns["template.placeholder"].search("xx县")
    with pytest.raises(KeyError):
        vocab.patterns["title.nothing"]  # not in the schema: never read unvalidated


# --- the gazetteer (crawler/text/regions.py, crawler/text/rules/divisions.csv) ------------


def test_bundled_gazetteer() -> None:
    gaz = gazetteer()
    current = [d for d in gaz.divisions if d.abolished is None]
    assert sum(d.level == 1 for d in current) == 34
    assert sum(d.level == 3 for d in current) > 2800
    (yiwu,) = gaz.named("义乌市")
    assert (yiwu.code, yiwu.level, yiwu.short) == ("330782", 3, "义乌")
    assert [a.name for a in gaz.ancestors(yiwu)] == ["金华市", "浙江省"]
    assert gaz.province(yiwu).name == "浙江省"
    (xiantao,) = gaz.named("仙桃市")  # a county-level city under its province directly
    assert [a.name for a in gaz.ancestors(xiantao)] == ["湖北省"]
    assert [d.name for d in gaz.shortened("延边")] == ["延边朝鲜族自治州"]
    assert "福州市" in gaz.provinces()["福建省"]


def test_renamed_units_point_to_their_successor() -> None:
    gaz = gazetteer()
    (wenjiang,) = gaz.named("温江县")
    assert (wenjiang.abolished, wenjiang.current_code) == (2002, "510115")
    assert gaz.province(wenjiang).name == "四川省"
    (xiangfan,) = gaz.named("襄樊市")
    assert xiangfan.current_code == "420600"


def test_same_named_divisions_are_told_apart_by_context() -> None:
    gaz = gazetteer()
    chaoyang = gaz.named("朝阳区")
    assert {d.code for d in chaoyang} == {"110105", "220104"}
    assert resolve(gaz, chaoyang) is None
    assert resolve(gaz, chaoyang, "服务首都发展，落实北京市部署").code == "110105"
    (changchun,) = gaz.named("长春市")
    assert resolve(gaz, chaoyang, within=[changchun]).code == "220104"
    gulou = gaz.named("鼓楼区")
    in_jiangsu = narrow(gaz, gulou, "按照江苏省部署")
    assert {d.code for d in in_jiangsu} == {"320106", "320302"}
    assert common_province(gaz, in_jiangsu).name == "江苏省"
    assert common_province(gaz, gulou) is None


def test_abolished_units_give_way_to_those_in_force() -> None:
    gaz = gazetteer()
    xinhua = gaz.named("新华区")
    assert any(d.abolished for d in xinhua)
    assert all(d.abolished is None for d in narrow(gaz, xinhua, year=2023))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name,level,parent,short,abolished\n", "missing column 'successor'"),
        ("code,name,level,parent,short,abolished,successor\n", "no divisions"),
        ("code,name,level,parent,short,abolished,successor\n3505,鲤城区,3,,,,\n", "line 2"),
        ("code,name,level,parent,short,abolished,successor\n350502,鲤城区,4,,,,\n", "'level'"),
        ("code,name,level,parent,short,abolished,successor\n350502,,3,,,,\n", "'name'"),
        ("code,name,level,parent,short,abolished,successor\n350502,鲤城区,3,,,20x,\n", "year"),
    ],
)
def test_bad_divisions_file_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "divisions.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_gazetteer(bad)
    assert str(bad) in str(info.value)
    assert message in str(info.value)


def test_unreadable_divisions_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_gazetteer(tmp_path / "missing.csv")
