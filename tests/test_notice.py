"""Cover letters of 关于印发…的通知 are removed; other notices are left alone."""

from __future__ import annotations

from crawler.text.notice import unwrap_notice

LETTER = """各乡镇卫生院，县直各医疗卫生单位：
现将《2025年全县卫生健康工作要点》印发给你们，请认真贯彻执行。
某某县卫生健康局
2025年2月10日
{heading}
2025年全县卫生健康工作的总体要求是：坚持以人民健康为中心。
一、深化医药卫生体制改革
1.推进紧密型县域医共体建设。"""


def test_unwraps_at_the_document_title() -> None:
    text = LETTER.format(heading="2025年全县卫生健康工作要点")
    title, body = unwrap_notice("关于印发《2025年全县卫生健康工作要点》的通知", text)
    assert title == "2025年全县卫生健康工作要点"
    assert body.startswith("2025年全县卫生健康工作的总体要求是")
    assert "印发给你们" not in body and "某某县卫生健康局" not in body


def test_unwraps_after_the_date_when_no_title_line() -> None:
    text = LETTER.format(heading="").replace("\n\n", "\n")
    title, body = unwrap_notice("关于印发2025年全县卫生健康工作要点的通知", text)
    assert title == "2025年全县卫生健康工作要点"
    assert body.splitlines()[0].startswith("2025年全县卫生健康工作的总体要求是")


def test_other_titles_untouched() -> None:
    text = LETTER.format(heading="2025年全县卫生健康工作要点")
    assert unwrap_notice("2025年全县卫生健康工作要点", text) is None
    assert unwrap_notice("关于报送2024年工作总结的通知", "请各单位于12月20日前报送。") is None
    assert unwrap_notice(None, text) is None


def test_letter_without_document_is_kept() -> None:
    text = "各单位：\n现将《方案》印发给你们。\n某局"
    assert unwrap_notice("关于印发《方案》的通知", text) is None
