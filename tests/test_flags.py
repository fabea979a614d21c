"""Quality flags: truncated previews, garbled characters, simplified text beside the original."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.schema import SCHEMA_VERSION
from archive.store import Archive, Sighting
from crawler.text.clean import clean_text
from crawler.text.process import process
from crawler.text.quality_flags import garbled_share, is_truncated

BODY = "今年以来，区卫生健康局坚持以人民健康为中心，扎实推进各项工作。"


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        f"{BODY}\n（三）加强队伍建设。",
        f"{BODY}\n某某区卫生健康局\n2024年1月5日",
        f"{BODY}\n同志们，让我们携手奋进！",
        f"{BODY}\n“健康城区”建设取得新进展”",
    ],
)
def test_complete_texts_not_truncated(text: str) -> None:
    assert not is_truncated(text)


@pytest.mark.parametrize(
    "text",
    [
        f"{BODY}\n7.推动社会资本创办民营医疗机构。鼓励社会资本举办高水平",
        f"{BODY}\n二是完善分级诊疗制度，推进紧密型医共体建设，加快区域医疗中心和县域医疗次中心的建设步伐",
        f"{BODY}\n二是完善分级诊疗制度，",
        f"{BODY}\n重点抓好以下工作：",
    ],
)
def test_texts_stopping_mid_sentence_truncated(text: str) -> None:
    assert is_truncated(text)


def test_cut_marker_from_removed_chrome() -> None:
    cleaned = clean_text(f"{BODY}\n试读已结束，还剩3页未读，下载后查看全文")
    assert cleaned.text == BODY
    assert cleaned.flags == {"truncated"}
    assert is_truncated(cleaned.text, cut_marker=True)
    complete = clean_text(f"{BODY}\n本文档共3页，全文阅读已结束")
    assert complete.text == BODY and not complete.flags


@pytest.mark.parametrize(
    ("text", "share"),
    [
        (BODY, 0.0),
        ("卫生\ufffd\ufffd健康", 2 / 6),
        ("补齐?科短板", 1 / 6),
        ("锟斤拷卫生", 3 / 5),
        ("å\x8d«ç\x94\x9f工作", 6 / 8),
        ("卫生\ue4c6健康", 1 / 5),
    ],
)
def test_garbled_share(text: str, share: float) -> None:
    assert garbled_share(text) == pytest.approx(share, abs=1e-4)


def test_garbled_share_leaves_real_punctuation_and_latin_alone() -> None:
    text = "（一）HPV疫苗接种率达到95%？是的。Café 一词不算乱码。"
    assert garbled_share(text) == 0.0


def test_preview_page_flagged_and_complete_page_not() -> None:
    paras = "".join(f"<p>{BODY}第{n}项工作稳步推进。</p>" for n in range(8))
    cut = (
        "<html><head><title>2024年区卫生健康局工作计划</title></head><body><article>"
        f"<h1>2024年区卫生健康局工作计划</h1>{paras}<p>二是推进紧密型医共体建设，完善"
        "</p><div>试读已结束，还剩3页未读，下载后查看全文</div></article></body></html>"
    )
    page = process(cut.encode(), url="http://w.test/doc/1.html", content_type="text/html")
    assert page.truncated and page.fields()["truncated"] == 1
    whole = cut.replace("完善</p>", "完善服务体系。</p>").replace(
        "试读已结束，还剩3页未读，下载后查看全文", "本文档共3页，全文阅读已结束"
    )
    page = process(whole.encode(), url="http://w.test/doc/1.html", content_type="text/html")
    assert not page.truncated and page.fields()["garbled"] == 0.0


def test_seed_preview_flagged(corpus_dir: Path) -> None:
    flagged = {}
    for path in sorted((corpus_dir / "seeds").glob("*.txt")):
        url = f"http://s.test/{path.name}"
        page = process(path.read_bytes(), url=url, content_type="text/plain")
        flagged[path.name[:3]] = page.truncated
    # 000 is a 文库 preview that stops mid-sentence; the other four are whole reports.
    assert flagged == {"000": True, "001": False, "002": False, "003": False, "004": False}


def _sighting(url: str) -> Sighting:
    return Sighting(url=url, source="t", fetched_at="2024-01-01T00:00:00+00:00", status=200)


def test_archive_keeps_original_and_simplified_text(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        archive.add_document(
            text="衛生健康工作總結", fields={"truncated": 1, "garbled": 0.0},
            sighting=_sighting("http://t.test/1"), run_id=None,
        )  # fmt: skip
        row = archive.conn.execute(
            "SELECT text, text_simplified, truncated, garbled FROM documents"
        ).fetchone()
    assert row == ("衛生健康工作總結", "卫生健康工作总结", 1, 0.0)


def test_v1_archive_migrated_with_flags_filled(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with Archive(db) as archive:
        archive.add_document(
            text="衛生健康工作，", fields={}, sighting=_sighting("http://t.test/1"), run_id=None
        )
    conn = sqlite3.connect(db)  # make it look like a v1 archive
    conn.execute("UPDATE documents SET text_simplified = NULL, truncated = NULL")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Archive(db) as archive:
        row = archive.conn.execute(
            "SELECT text_simplified, truncated, garbled FROM documents"
        ).fetchone()
        version = archive.conn.execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    assert row == ("卫生健康工作，", 1, 0.0)


@pytest.mark.parametrize("wrong", ["latin-1", "cp1252"])
@pytest.mark.parametrize("right", ["utf-8", "gb18030"])
def test_mojibake_scores_high(right: str, wrong: str) -> None:
    mojibake = BODY.encode(right).decode(wrong, errors="replace")
    assert garbled_share(mojibake) > 0.5


ZH = "卫生健康局2023年工作总结：全面推进健康建设，医疗服务能力稳步提升。（一）加强基层建设。"
TW = "衛生健康局2023年工作總結：全面推進健康建設，醫療服務能力穩步提升。"
SINGLE_BYTE = ["latin-1", "cp1252", "cp1251", "cp850", "cp437", "koi8-u", "koi8-r", "mac-roman"]


@pytest.mark.parametrize("wrong", SINGLE_BYTE)
@pytest.mark.parametrize(("right", "text"), [("gbk", ZH), ("big5", TW), ("utf-8", ZH)])
def test_every_kind_of_mojibake_scores_high(right: str, text: str, wrong: str) -> None:
    mojibake = text.encode(right).decode(wrong, errors="replace")
    assert garbled_share(mojibake) > 0.8, mojibake


@pytest.mark.parametrize(
    "mojibake",
    [
        "ÎÀÉú½¡¿µ",  # GBK read as Latin-1
        "ОАЙъЅЎїµ",  # GBK read as cp1251
        "╬└╔·¢í┐Á",  # GBK read as cp850
        "нюиЗҐ║©╣",  # GBK read as koi8-u
        "å·¥ä½œ",  # UTF-8 read as cp1252
        "½Ã¥Í°·±d",  # Big5 read as Latin-1, a trail byte in ASCII
    ],
)
def test_symbol_soup_is_damage(mojibake: str) -> None:
    assert garbled_share(mojibake) == 1.0
    assert garbled_share(f"{BODY}{mojibake}{BODY}") > 0.05


@pytest.mark.parametrize(
    "text",
    [
        "今年以来，PM2.5浓度下降12.5%，达标天数增加×2；温度25°C±2°C，剂量5μg/kg与5µg/kg。",
        "马克思·恩格斯——伟大导师……“健康中国”建设，ＡＢＣ１２３，①②③，Ⅱ型糖尿病，β₂受体。",
        "The Ministry of Health — report on café quality, naïve approach, « déjà vu », l’été.",
        "Die Größe der Straße; São Paulo, ação; Ελλάδα, ΑΘΗΝΑ; αβγ-受体阻滞剂。",
        "Министерство здравоохранения РФ: ПРИВЕТ, Москва! «Ёлка» — №5. Pусский.",
        "目录……………………3\n──────────\n··········\n×××同志：\n©2023 版权所有 ®™",
    ],
)
def test_normal_text_is_not_mojibake(text: str) -> None:
    assert garbled_share(text) == 0.0
