"""Tests for crawler.text.decode: BOM, declared charsets, promotion, chardet, no mojibake."""

from __future__ import annotations

import re
from pathlib import Path

import chardet
import pytest

from crawler.errors import DecodeError
from crawler.text.decode import Decoded, decode, meta_charset, normalize_encoding
from crawler.text.quality_flags import garbled_share

TEXT = "卫生健康局2023年工作总结：朱镕基同志视察，全面推进健康建设。"
# Characters common in Chinese text of either script; mojibake hardly ever hits them.
COMMON = set(
    "的一是在不了有人中大上我以要他时時来來用们們生到作地于於出就分对對成会會可主发發年动動同工也能下过過子说說"
)
TAG = re.compile(r"<(script|style)\b.*?</\1>|<!\[CDATA\[|\]\]>|<[^>]*>", re.S | re.I)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana and hangul occur too


def _page(charset_tag: str, text: str = TEXT) -> str:
    return f"<html><head>{charset_tag}<title>t</title></head><body><p>{text}</p></body></html>"


def test_utf8_bom():
    result = decode(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    assert result == Decoded(TEXT, "utf-8", "bom", None)


def test_utf16_bom_and_without_bom():
    assert decode(b"\xff\xfe" + TEXT.encode("utf-16-le")).encoding == "utf-16-le"
    html = _page('<meta charset="utf-16">')
    result = decode(html.encode("utf-16-le"))
    assert result.encoding == "utf-16-le"
    assert TEXT in result.text


def test_http_header_wins_over_meta():
    body = _page('<meta charset="utf-8">').encode("gb18030")
    result = decode(body, "text/html; charset=GBK")
    assert (result.encoding, result.source, result.declared) == ("gb18030", "http", "GBK")
    assert TEXT in result.text


def test_gb2312_promoted_to_gb18030():
    # 镕 is in GBK but not GB2312: a strict gb2312 decoder would fail on it.
    body = _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    result = decode(body.encode("gb18030"))
    assert (result.encoding, result.source, result.declared) == ("gb18030", "meta", "gb2312")
    assert "朱镕基" in result.text


def test_big5_promoted_to_big5hkscs():
    text = "衛生健康局工作總結，全面推進醫療服務。"
    result = decode(_page('<meta charset="big5">', text).encode("big5"))
    assert result.encoding == "big5hkscs"
    assert text in result.text


@pytest.mark.parametrize(
    ("name", "codec"),
    [("GBK", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"), ("gb2312", "gb18030"),
     ("Big5", "big5hkscs"), ("UTF8", "utf-8"), ("ascii", "utf-8"), ("nonsense-7", None)],
)  # fmt: skip
def test_normalize_encoding(name, codec):
    assert normalize_encoding(name) == codec


def test_charset_inside_script_or_comment_is_not_a_declaration():
    head = (
        b'<html><head><!-- <meta charset="big5"> -->'
        b'<script src="x.js" charset="utf-8"></script>'
        b"<script>var s = '<meta charset=utf-8>';</script>"
        b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312"/>'
    )
    assert meta_charset(head) == "gb2312"
    result = decode(head + TEXT.encode("gb18030"))
    assert result.encoding == "gb18030" and TEXT in result.text


def test_declared_gb2312_but_utf8_bytes():
    result = decode(_page('<meta charset="gb2312">').encode("utf-8"))
    assert result.encoding == "utf-8"
    assert result.declared == "gb2312"
    assert TEXT in result.text


def test_declared_latin1_but_gbk_bytes_is_not_mojibake():
    body = _page('<meta charset="iso-8859-1">', TEXT * 3).encode("gb18030")
    result = decode(body)
    assert TEXT in result.text
    assert result.encoding == "gb18030"
    assert result.source in ("chardet", "fallback")


def test_nothing_declared_utf8_and_legacy():
    assert decode(_page("").encode("utf-8")).encoding == "utf-8"
    result = decode(_page("", TEXT * 5).encode("gb18030"))
    assert result.source == "chardet"
    assert result.encoding == "gb18030"
    assert TEXT in result.text


def test_binary_raises():
    with pytest.raises(DecodeError):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20)
    with pytest.raises(DecodeError):
        decode(bytes(range(0, 32)) * 50)


def test_empty_body():
    assert decode(b"").text == ""


def _visible(text: str) -> str:
    return TAG.sub(" ", text)


def _assert_clean_chinese(path: Path, result: Decoded, body: bytes) -> None:
    visible = _visible(result.text)
    # U+FFFD may only appear where the UTF-8 source itself holds one.
    assert result.text.count("\ufffd") <= body.count(b"\xef\xbf\xbd"), path
    cjk = CJK.findall(visible)
    assert len(cjk) >= 20, path
    letters = [ch for ch in visible if ch.isalpha() and ord(ch) > 127]
    assert len(cjk) / len(letters) > 0.9, path
    common = sum(1 for ch in cjk if ch in COMMON)
    assert common / len(cjk) > 0.04, (path, result.encoding)
    assert garbled_share(visible) < 0.002, (path, result.encoding)


def _corpus_pages(corpus: Path) -> list[Path]:
    patterns = [
        "magic-html/benchmark/data/*/htmls/*.html",
        "cx-163/RawHtml/*.html",
        "gerapy-lists/samples/*/*.html",
        "trafilatura-zh/tests/eval/*.html",
        "wsjkw-sh/**/*.html",
    ]
    return sorted(p for pattern in patterns for p in corpus.glob(pattern))


def test_corpus_decodes_without_mojibake(corpus_dir):
    pages = _corpus_pages(corpus_dir)
    assert len(pages) > 150
    for path in pages:
        body = path.read_bytes()
        _assert_clean_chinese(path, decode(body), body)


def test_cx163_needs_gb18030(corpus_dir):
    pages = sorted((corpus_dir / "cx-163" / "RawHtml").glob("*.html"))
    assert len(pages) == 74
    for path in pages:
        assert decode(path.read_bytes()).encoding == "gb18030", path


@pytest.mark.parametrize(("folder", "family"), [("GB2312", "gb18030"), ("Big5", "big5hkscs")])
def test_chardet_folders_expected_family(corpus_dir, folder, family):
    files = sorted((corpus_dir / "chardet" / "tests" / folder).iterdir())
    assert files
    for path in files:
        body = path.read_bytes()
        result = decode(body)
        assert result.encoding == family, path
        _assert_clean_chinese(path, result, body)


def test_wayback_trap(corpus_dir):
    path = corpus_dir / "trafilatura-zh/tests/eval/archive.org.he.xinhuanet.com.25340717.html"
    result = decode(path.read_bytes())
    assert (result.encoding, result.source, result.declared) == ("gb18030", "meta", "gb2312")
    assert "约定无期限" in result.text


# Pages that mix encodings or that chardet reads as a single-byte code page.
GBK_PARA = "卫生健康局2023年工作总结：全面推进健康建设，医疗服务能力稳步提升。"
UTF8_PARA = "二、2024年工作计划：深化医药卫生体制改革，加强基层医疗卫生机构建设。"
JUNK = b"\xff\xfe\x80"
WRAP = (
    b"<html><head><title>Page</title></head><body><div class='nav'><a href='/'>Home</a> |"
    b" <a href='/about'>About</a></div><p>%s</p><p>Copyright 2023 example.com</p></body></html>"
)


def _mixed_page(*paragraphs: bytes, meta: str = "utf-8") -> bytes:
    head = f'<html><head><meta charset="{meta}"><title>t</title></head><body>'.encode()
    return head + b"".join(b"<p>" + p + b"</p>\n" for p in paragraphs) + b"</body></html>"


def _single_byte(codec: str | None) -> bool:
    codec = normalize_encoding(codec)
    return codec is not None and len(bytes(range(0x80, 0x100)).decode(codec, "replace")) == 128


def test_mixed_gbk_utf8_and_junk_declared_utf8():
    body = _mixed_page(GBK_PARA.encode("gbk"), UTF8_PARA.encode("utf-8"), JUNK)
    result = decode(body, "text/html; charset=utf-8")
    assert (result.encoding, result.source, result.declared) == ("utf-8+gb18030", "mixed", "utf-8")
    assert GBK_PARA in result.text and UTF8_PARA in result.text
    assert "<p>\ufffd\ufffd\ufffd</p>" in result.text  # junk bytes become U+FFFD
    assert garbled_share(_visible(result.text).replace("\ufffd", "")) == 0.0


def test_mixed_page_that_gb18030_decodes_strictly():
    tail = "加强基层医疗卫生机构建设"  # its UTF-8 bytes are valid (nonsense) GB18030 too
    tail.encode("utf-8").decode("gb18030")
    body = _mixed_page(GBK_PARA.encode("gbk"), tail.encode("utf-8"), meta="gb2312")
    result = decode(body)
    assert (result.encoding, result.source) == ("utf-8+gb18030", "mixed")
    assert GBK_PARA in result.text and f"<p>{tail}</p>" in result.text


def test_mixed_big5_and_utf8():
    big5 = "衛生健康局工作總結，全面推進醫療服務。"
    body = _mixed_page(big5.encode("big5"), UTF8_PARA.encode("utf-8"), JUNK, meta="big5")
    result = decode(body)
    assert (result.encoding, result.source) == ("utf-8+big5hkscs", "mixed")
    assert big5 in result.text and UTF8_PARA in result.text


def test_utf8_page_with_junk_stays_utf8():
    text = "剂量5μg/kg·d，温度25°C±2°C，马克思·恩格斯——" + UTF8_PARA
    body = _mixed_page(text.encode("utf-8")[:40], JUNK, text.encode("utf-8"))
    result = decode(body, "text/html; charset=utf-8")
    assert (result.encoding, result.source) == ("utf-8", "http")
    assert text in result.text


@pytest.mark.parametrize("text", ["男", "首页", "疫苗接种"])
def test_short_gbk_page_declared_utf8(text):
    result = decode(_mixed_page(text.encode("gbk")), "text/html; charset=utf-8")
    assert result.encoding == "gb18030"
    assert f"<p>{text}</p>" in result.text


def test_chardet_single_byte_guesses_are_checked():
    texts = ["基层医疗", "妇幼保健", "新闻", "论坛", "首页", "注册", "评论", "疫苗接种", "区卫健委"]
    guesses = {t: chardet.detect(WRAP % t.encode("gbk"))["encoding"] for t in texts}
    # chardet reads these as cp437, cp850, cp863 ...: the case this guards against exists
    assert sum(map(_single_byte, guesses.values())) >= 5, guesses
    for text in texts:
        result = decode(WRAP % text.encode("gbk"))
        assert result.encoding == "gb18030", (text, guesses[text])
        assert f"<p>{text}</p>" in result.text


@pytest.mark.parametrize("label", ["cp850", "koi8-u", "windows-1251", "windows-1252", "latin-1"])
def test_gbk_page_declared_single_byte(label):
    body = _page(f'<meta charset="{label}">', GBK_PARA).encode("gbk")
    for result in (decode(body), decode(body, f"text/html; charset={label}")):
        assert result.encoding == "gb18030", label
        assert GBK_PARA in result.text


RUSSIAN = (
    "Министерство здравоохранения Российской Федерации сообщает о новых мерах. В Москве"
    " открылась новая поликлиника; «Ёлка» — праздник для детей №1."
)
WESTERN = (
    "Le ministère de la Santé a publié un rapport sur la qualité de l'eau à Genève. Die Größe"
    " der Straße in Zürich; São Paulo, ação; 25 °C ± 2, 5 µg, © 2023."
)


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (RUSSIAN, "cp1251"),
        (RUSSIAN.replace("«Ёлка» — ", "").replace("№", ""), "koi8-r"),
        (WESTERN, "latin-1"),
        (WESTERN, "cp1252"),
    ],
)
def test_single_byte_pages_still_decode(text, codec):
    page = _page("", text).encode(codec)
    assert text in decode(page).text, chardet.detect(page)
    declared = _page(f'<meta charset="{codec}">', text).encode(codec)
    result = decode(declared)
    assert (result.encoding, result.source) == (normalize_encoding(codec), "meta")
    assert text in result.text
