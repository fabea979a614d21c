"""Tests for crawler.text.clean: rules file, every chrome class, negatives, seeds, dedup."""

# ruff: noqa: E501  (long Chinese data lines)
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from crawler.errors import RulesError
from crawler.text.clean import clean, clean_text, load_rules, parse_rules
from crawler.text.extract import extract
from crawler.text.normalize import strip_ruby

GOLDEN = Path(__file__).resolve().parent / "pages" / "clean"
CASES = sorted(p.stem for p in GOLDEN.glob("*.html"))
WS = re.compile(r"\s+")


# ------------------------------------------------------------------ rules file


def test_default_rules_load_and_are_cached():
    rules = load_rules()
    assert rules is load_rules()
    assert len(rules.lines) >= 20 and rules.blocks and rules.cuts and rules.strips


def test_rules_self_check_examples(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "[[line]]\nname = 'x'\npattern = '^abc$'\nexamples = ['abd']\n", encoding="utf-8"
    )
    with pytest.raises(RulesError, match=r"bad\.toml.*'x'.*examples"):
        load_rules(bad)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[[line]]\nname = 'x'\npattern = '(unclosed'\n", "'x'.pattern"),
        ("[[line]]\npattern = 'a'\n", "name"),
        ("[[line]]\nname = 'x'\npattern = 'a'\ncolour = 1\n", "colour"),
        ("[[line]]\nname = 'x'\npattern = 'a'\nmax_len = 0\n", "max_len"),
        ("[[line]]\nname = 'x'\npattern = 'a'\nwhere = 'tail'\n", "where"),
        ("[[line]]\nname = 'x'\npattern = 'a'\n[[line]]\nname = 'x'\npattern = 'b'\n", "duplicate"),
        ("[[line]]\nname = 'x'\npattern = 'a'\nkeep = ['a body line']\n", "keep"),
        ("[settings]\nhead_lines = 'two'\n", "head_lines"),
        ("[bogus]\n", "bogus"),
        ("this is = = not toml", "invalid TOML"),
    ],
)
def test_bad_rules_name_file_and_field(tmp_path, text, where):
    path = tmp_path / "chrome.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as info:
        load_rules(path)
    assert str(path) in str(info.value)
    assert where in str(info.value)


def test_missing_rules_file(tmp_path):
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "absent.toml")


def test_parse_rules_from_dict():
    rules = parse_rules({"line": [{"name": "n", "pattern": "^广告$"}]})
    assert clean("广告\n正文。", rules=rules) == "正文。"


# ------------------------------------------------------------------ whitespace and basics


def test_whitespace_normalized():
    text = "  第一段　　内容，\t有空格。 \r\n\n\u3000\u3000第二段\xa0内容。\n\n"
    assert clean(text) == "第一段 内容， 有空格。\n第二段 内容。"


# ------------------------------------------------------------------ chrome classes
BODY = "区卫生健康局坚持以人民健康为中心，深化医药卫生体制改革，各项工作取得明显成效。"

CHROME = {
    "download panel": ["格式:PDF , 页数:20 ,大小:1.2MB ,", "资源ID:99 下载积分:5 积分", "快捷下载", "立即下载"],
    "login": ["已注册用户请登录:", "账号:", "密码:", "忘记密码?", "三方登录: QQ登录 微信登录"],
    "captcha": ["ImageVerifierCode 换一换", "验证码: 换一换"],
    "vip and payment": ["加入VIP,免费下载", "开通VIP 享免费下载", "支付方式: 支付宝扫码支付 微信扫码支付"],
    "download help": ["请自助下载,系统不会自动发送文件的哦; 如果您已付费,想二次下载,请登录后访问:我的下载记录"],
    "notice header": ["温馨提示：", "特别说明:", "版权提示 | 免责声明"],
    "uploader": ["本文(某某工作总结.docx)为本站会员(ab**1)主动上传,某文库仅提供信息存储空间。"],
    "thumbnail": ["某某工作总结.docx 第2页", "年度工作报告.pdf"],
    "page numbers": ["第 2 页 共 11 页", "- 3 -"],
    "counters": ["浏览量:1", "阅读：2365", "下载次数：12", "浏览:728 下载:17 海报"],
    "preview end": ["本文档共3页，全文阅读已结束", "还剩 8 页未读，继续阅读"],
    "publication": ["时间:2024-06-10 16:58 浏览量:1", "半年工作总结范文 发布时间:2014/11/13", "发布日期：2023-05-04 来源：市卫健委"],
    "source": ["来源：网络整理", "來源:網絡整理 免責聲明:本文僅限學習分享,如產生版權問題,請聯繫我們及時刪除。", "责任编辑：李四"],
    "breadcrumb": ["当前位置：首页 > 政务公开 > 计划总结", "首页 > 工作总结 > 正文", "某某总结》所在栏目:工作总结 > 关键词:卫健委工作总结"],
    "word count title": ["某县卫健委工作总结【3560字】"],
    "footer": ["copyright@ 2008-2023 example.com网站版权所有", "经营许可证编号:浙ICP备0000000号-2", "浙公网安备 33000002000001号", "主办单位：某市卫生健康委员会 网站标识码：3305000001", "Copyright © 2024 某某网 All Rights Reserved"],
    "disclosure header": ["索引号：001122-2024-00012 发布机构：某县卫生健康局", "文号：某卫发〔2024〕3号", "公开日期：2024-02-20", "主题分类：卫生、体育"],
    "app and desktop banners": ["添加到桌面，下次访问更方便", "下载APP，阅读体验更佳", "打开APP，查看全文"],
    "fanwen download box": ["推荐度：", "点击下载文档", "文档为doc格式"],
    "toolbar": ["举报/反馈", "无障碍 长者模式", "【打印本页】 【关闭窗口】", "字号：大 中 小", "【字体：大 中 小】", "分享到：微信 微博 QQ空间", "扫一扫在手机上打开当前页", "无障碍", "上一篇：2022年工作总结"],
    "paid writing advert": ["更多范文请访问某某范文网，代写材料请加微信：abc12345", "专业代写各类工作总结，联系微信 xyz888"],
    "seo spam": ["久久久久精品国产_午夜视频_欧美日韩一区二区三区"],
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(CHROME))
def test_chrome_line_classes_removed(kind):
    for line in CHROME[kind]:
        text = f"{BODY}\n{line}\n{BODY}"
        assert clean(text) == f"{BODY}\n{BODY}", line


def test_editorial_lead_in_removed_at_head_only():
    lead = "卫健委的工作计划怎么写？下面这篇文章请大家一起参考一下！"
    assert clean(f"{lead}\n{BODY}") == BODY
    middle = "下面，我讲三方面的意见，供大家参考。"
    text = f"{BODY}\n{BODY}\n{BODY}\n{BODY}\n{middle}"
    assert middle in clean(text)


def test_numbered_site_notice_block_removed():
    text = "\n".join(
        [
            BODY,
            "下载须知",
            "1: 本站所有资源如无特殊说明,都需要本地电脑安装OFFICE2007和PDF阅读器。",
            "2: 试题试卷类文档,如果标题没有明确说明有答案则都视为没有答案,请知晓。",
            "3: 文件的所有权益归上传用户所有。",
            BODY,
        ]
    )
    assert clean(text) == f"{BODY}\n{BODY}"


def test_numbered_body_list_after_notice_like_header_kept():
    text = "注意事项\n1、各单位要加强组织领导。\n2、按时报送工作进展。"
    assert clean(text) == text


def test_recommended_reading_cut_after_text():
    text = "\n".join([BODY] * 4 + ["推荐阅读：", "卫健委年度工作总结范文", "卫生院工作计划"])
    assert clean(text) == "\n".join([BODY] * 4)


def test_recommended_header_early_only_drops_itself():
    text = "\n".join(["相关文章", BODY, BODY])
    assert clean(text) == f"{BODY}\n{BODY}"


def test_advert_inside_paragraph_stripped():
    text = "卫生事业稳步发展。更多范文请到某某范文网，代写加微信：abc12345。工作取得实效。"
    assert clean(text) == "卫生事业稳步发展。工作取得实效。"


# ------------------------------------------------------------------ negatives: body lines


BODY_LINES = [
    "完成版权登记工作。",
    "积极开展打击侵权假冒专项行动，完成版权登记工作，保护医院科研成果。",
    "严格落实时间节点，确保各项任务按期完成。",
    "时间：2023年3月底前完成全部摸底工作。",
    "（三）时间安排",
    "推动电子健康档案向居民开放，群众可下载查看本人检查结果。",
    "下载量同比增长20%，健康科普作品受到群众欢迎。",
    "资金来源：区财政全额保障，确保项目顺利实施。",
    "浏览量大幅提升得益于健康科普持续推进，新媒体矩阵覆盖全区居民。",
    "（三）推进无障碍环境建设",
    "海滨、临江社区卫生服务中心被评为省级“精品中医馆”。",
    "推广微信预约挂号，全年线上预约占比达60%。",
    "市中心血站全年采血量同比增长12%，本站血液储备保持安全水平。",
    "注册护士数量增至2000人。",
    "换一换思路，推动家庭医生签约服务提质增效。",
    "推进医保移动支付，实现诊间扫码支付全覆盖。",
    "大小医院协同推进分级诊疗，构建上下联动的服务体系。",
    "CT检查量>1万人次，较上年增长15%。",
    "下面，我讲三方面的内容。",
    "相关部门密切配合，形成工作合力。",
    "全年门诊量(CT检查除外)同比增长10%，DRG(疾病诊断相关分组)付费改革顺利实施。",
    "1、加强疾病预防控制。",
    "5.全面推行家庭医生签约服务。",
    "一、主要工作成效",
    "同志们:",
    "当前位置偏远的村卫生室，全部实现了远程诊疗全覆盖。",
    "关键词是落实，全年各项指标全部完成。",
    "来源于群众、服务于群众，是我们一贯坚持的工作原则。",
    "（一）加强版权意识，严格执行医疗广告审查制度，全年审查30件。",
    "推荐度最高的是家庭医生签约服务。",
    "举报投诉处理率100%，群众满意度持续提升。",
]


@pytest.mark.parametrize("line", BODY_LINES)
def test_body_lines_mentioning_chrome_words_survive(line):
    text = f"{BODY}\n{line}\n{BODY}"
    assert clean(text) == text


def test_long_sentence_with_chrome_words_survives():
    line = (
        "我们完善门户网站建设，开设信息公开栏目，全年发布信息1200条，浏览量、下载量均创新高，"
        "同时完成版权登记工作，严格落实时间节点，网站来源标注规范，群众可随时下载政策文件，"
        "主办单位和承办单位分工明确，各项工作有序推进，得到上级部门充分肯定和广大群众一致好评。"
    )
    assert clean(line) == line


# ------------------------------------------------------------------ ruby, markers, title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("衛(wèi)生計生系統(tǒng)", "衛生計生系統"),
        ("總結(jié)工作（zǒng）", "總結工作"),
        ("计划(ji4)生育", "计划生育"),
        ("门诊量(CT检查除外)", "门诊量(CT检查除外)"),
        ("付费改革(DRG)", "付费改革(DRG)"),
        ("体重指数(bmi)", "体重指数(bmi)"),
        ("Version (wèi)", "Version (wèi)"),
    ],
)
def test_strip_ruby(raw, expected):
    assert strip_ruby(raw) == expected


PAGE1 = "2023年，区卫生健康局坚持以人民健康为中心，全面推进健康建设，各项工作取得明显成效。医疗服务能力持续提升，区人民医院新院区投入使用，全年门诊量达86万"
PAGE2 = "人次，同比增长12%。公共卫生体系不断完善，完成老年人健康体检4.2万人，居民电子健康档案建档率达92%。下一步将推进紧密型县域医共体建设，提升急危重症救治"
PAGE3 = "能力，稳定基层卫生人才队伍。"


def test_preview_page_markers_joined():
    text = f"1、{PAGE1}\n2、{PAGE2}\n3、{PAGE3}"
    assert clean(text) == PAGE1 + PAGE2 + PAGE3


def test_single_cut_marker_joined():
    text = f"{PAGE1}\n7、{PAGE2}"
    assert clean(text) == PAGE1 + PAGE2


def test_real_list_numbering_kept():
    text = "（一）主要任务\n1、加强基层医疗卫生服务体系建设。\n2、深化家庭医生签约服务。\n3、推进健康乡村建设。"
    assert clean(text) == text
    text = f"{BODY}\n1、加强疾病预防控制。\n2、深化家庭医生签约服务。\n5.全面推行先诊疗后付费模式。"
    assert clean(text) == text


def test_leading_title_repeat_removed():
    title = "某县卫健委2023年工作总结【2100字】"
    text = f"某县卫健委2023年工作总结\n某县卫健委 2023年工作总结.docx\n{BODY}"
    assert clean(text, title=title) == BODY


def test_title_like_first_line_removed_without_title():
    assert clean(f"某区卫生局上半年工作总结\n{BODY}") == BODY
    assert clean(f"一、主要工作\n{BODY}") == f"一、主要工作\n{BODY}"


def test_title_glued_to_first_line_removed():
    title = "区卫生人口计生局年度工作报告"
    assert (
        clean(f"{title} 一、2023年以来的工作 {BODY}", title=title) == f"一、2023年以来的工作 {BODY}"
    )


# ------------------------------------------------------------------ golden pages


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    expected = json.loads((GOLDEN / f"{case}.json").read_text(encoding="utf-8"))
    page = extract((GOLDEN / f"{case}.html").read_text(encoding="utf-8"))
    text = clean(page.text, title=page.title)
    if "title" in expected:
        assert page.title == expected["title"]
    if "text" in expected:
        assert text == expected["text"]
    for fragment in expected.get("must_contain", []):
        assert fragment in text
    for fragment in expected.get("must_not_contain", []):
        assert fragment not in text


# ------------------------------------------------------------------ same report, three sites

TITLE = "某区卫生健康局2023年工作总结"
PARAS = [
    "2023年，区卫生健康局在区委、区政府的正确领导下，坚持以人民健康为中心，深化医药卫生体制改革，各项工作取得明显成效。现将有关情况总结如下。",
    "一、主要工作成效",
    "（一）医疗服务能力持续提升。区人民医院新院区投入使用，新增床位300张，全年门诊量达86万人次，同比增长12%。完成版权登记工作，医院自主研发的随访系统取得软件著作权。",
    "（二）公共卫生体系不断完善。严格落实时间节点要求，完成65岁以上老年人健康体检4.2万人，居民电子健康档案建档率达92%。推动健康档案向居民开放，群众可通过手机下载查看本人检查结果。",
    "1、加强疾病预防控制。全年报告法定传染病发病率低于全市平均水平。",
    "2、深化家庭医生签约服务。组建家庭医生团队58个，重点人群签约率达75%。",
    "二、存在问题",
    "基层卫生人才队伍仍然薄弱，信息化建设与群众需求还有差距。",
    "三、2024年工作打算",
    "一是推进紧密型县域医共体建设，强化分级诊疗。二是加强重点学科建设，提升急危重症救治能力。三是做好浏览量统计分析，办好健康科普栏目。",
]


def _bureau_page() -> str:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        f"<html><head><title>{TITLE}_某区人民政府</title></head><body>"
        "<div class='nav'><a href='/'>首页</a><a href='/zwgk'>政务公开</a><a href='/hd'>互动交流</a></div>"
        "<div class='pos'>当前位置：<a href='/'>首页</a> &gt; <a href='/zwgk'>政务公开</a> &gt; 计划总结</div>"
        "<table><tr><td>索引号：11-2024-001</td><td>发布机构：某区卫生健康局</td></tr>"
        "<tr><td>文号：某卫〔2024〕1号</td><td>公开日期：2024-01-10</td></tr></table>"
        f"<h1>{TITLE}</h1><div class='tool'>字号：大 中 小 【打印本页】【关闭窗口】</div>"
        f"<div class='zw'>{body}</div>"
        "<div class='foot'>主办单位：某区人民政府 网站标识码：1100000001 京ICP备00000001号</div>"
        "</body></html>"
    )


def _wenku_page() -> str:
    flat = " ".join(PARAS)
    pages, size, start = [], 150, 0
    while start < len(flat):
        pages.append(flat[start : start + size])
        start += size
    preview = "".join(f"<p>{n}、{chunk}</p>" for n, chunk in enumerate(pages, 1))
    return (
        f"<html><head><title>{TITLE}.docx-某某文库</title></head><body>"
        f"<h1>{TITLE}.docx</h1><div class='panel'><p>ImageVerifierCode 换一换</p>"
        "<p>格式:DOCX , 页数:4 ,大小:20KB ,</p><p>资源ID:1 下载积分:10 积分</p><p>快捷下载</p>"
        "<p>登录下载</p><p>加入VIP,免费下载</p><p>下载须知</p>"
        "<p>1: 本站所有资源如无特殊说明,都需要本地电脑安装OFFICE2007和PDF阅读器。</p>"
        "<p>2: 文件的所有权益归上传用户所有。</p><p>版权提示 | 免责声明</p>"
        f"<p>本文({TITLE}.docx)为本站会员(x**1)主动上传,某某文库仅提供信息存储空间。</p></div>"
        f"<div class='preview'><p>{TITLE}.docx</p>{preview}</div>"
        "<div><p>copyright@ 2008-2024 example.com网站版权所有</p><p>浙ICP备00000000号-2</p></div>"
        "</body></html>"
    )


def _fanwen_page() -> str:
    middle = len(PARAS) // 2
    paras = [
        *PARAS[:middle],
        "更多范文请访问某某范文网，代写材料请加微信：fw123456",
        *PARAS[middle:],
    ]
    body = "".join(f"<p>\u3000\u3000{p}</p>" for p in paras)
    return (
        f"<html><head><title>{TITLE}【2100字】_某某范文网</title></head><body>"
        "<div class='position'>当前位置：<a href='/'>首页</a> &gt; <a href='/zj'>工作总结</a></div>"
        f"<h1>{TITLE}【2100字】</h1><div class='info'>工作总结范文 发布时间:2024/01/12 浏览量:88</div>"
        "<div class='content'><p>卫健委的年度工作总结怎么写？下面这篇文章请大家一起参考一下！</p>"
        f"{body}</div><div class='tj'><p>相关范文</p><ul><li><a href='/1'>卫生院工作总结</a></li>"
        "<li><a href='/2'>卫健委工作计划</a></li></ul></div>"
        f"<p>{TITLE}【2100字】》所在栏目:工作总结 &gt; 关键词:卫健委工作总结</p></body></html>"
    )


def test_same_report_in_three_wrappers_cleans_to_same_text():
    results = []
    for html in (_bureau_page(), _wenku_page(), _fanwen_page()):
        page = extract(html)
        results.append(WS.sub("", clean(page.text, title=page.title)))
    expected = WS.sub("", "".join(PARAS))
    assert results[0] == expected
    assert results[1] == expected
    assert results[2] == expected


# ------------------------------------------------------------------ the five seeds

SEEDS = {
    "000": {
        "gone": ["ImageVerifierCode", "格式:DOCX", "资源ID", "下载积分", "快捷下载", "登录下载",
                 "邮箱/手机", "温馨提示", "用户名和密码", "特别说明", "自助下载", "支付方式",
                 "加入VIP", "不能下载", "已注册用户请登录", "账号:", "密码:", "忘记密码",
                 "三方登录", "下载须知", "OFFICE2007", "试题试卷", "所有权益归上传用户",
                 "挪作商业", "仅提供交流平台", "侵权或不适当", "不保证下载资源", "版权提示",
                 "主动上传", ".docx", "copyright@", "ICP备", "\n2、", "\n3、", "\n9、", "\n12、"],
        "kept": ["一、2023年以来的工作 按照区委区政府", "完成医疗机构校验157家。",
                 "家庭医生效劳方案已与全区7万多户家庭", "鼓励社会资本举办高水平",
                 "1.财政投入不断增长。"],
    },
    "001": {
        "gone": ["【2021字】", "所在栏目", "关键词:卫健委工作总结"],
        "kept": ["20xx年,县卫健委在县委县政府的正确领导下", "一、当前重点工作",
                 "努力培养一批有技术、留得住的村医人才队伍。"],
    },
    "002": {
        "gone": ["半年工作总结范文", "发布时间", "上半年区卫生局工作总结\n"],
        "kept": [",区卫生局在区委、区政府的正确领导下", "实施中央补助城市社区卫生服务能力培训项目。"],
    },
    "003": {
        "gone": ["下面這篇文章", "(wèi)", "(tǒng)", "(jié)", "來源", "免責聲明", "網絡整理"],
        "kept": ["同志們:", "這次會議的主要任務是", "衛生計生系統", "下面,我講三方面的內容。",
                 "奮力譜寫我市衛生計生事業發展新篇章!"],
    },
    "004": {
        "gone": ["久久", "国产", "時間:2024-06-10", "瀏覽量"],
        "kept": ["2024年是“十四五”規劃的攻堅之年。", "被評為省級“精品中醫館”", "(HPV)",
                 "拓展古城中醫文旅商圈。"],
    },
}  # fmt: skip


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_cleaned(corpus_dir, seed):
    path = next((corpus_dir / "seeds").glob(f"{seed}_*.txt"))
    text = clean(path.read_text(encoding="utf-8"))
    for fragment in SEEDS[seed]["gone"]:
        assert fragment not in text, fragment
    for fragment in SEEDS[seed]["kept"]:
        assert fragment in text, fragment
    assert not text.startswith(("1、", "久久"))


def test_seed_page_markers_joined(corpus_dir):
    path = next((corpus_dir / "seeds").glob("000_*.txt"))
    text = clean(path.read_text(encoding="utf-8"))
    assert "二是率先推行“先诊疗后付费模式" in text
    assert "增强学科开展内力与品牌建设" in text
    assert "名中医馆,成立了全市首个胸痛中心" in text


# ------------------------------------------------------------------ hard-wrapped text

PARAGRAPHS = [
    "一、主要工作成效",
    "今年以来，区卫生健康局坚持以人民健康为中心，深化医药卫生体制改革，"
    "全区医疗卫生服务能力持续提升，群众看病就医更加便捷。",
    "（一）公共卫生服务体系不断完善。全年完成家庭医生签约12.5万人，"
    "重点人群签约率达到78%，较上年提高6个百分点。",
    "二、存在的问题",
    "基层医疗卫生人才总量不足，结构不够合理，学科带头人缺乏，"
    "部分社区卫生服务中心服务能力仍然偏弱。",
]


def _hard_wrap(paragraphs: list[str], width: int) -> str:
    """Break paragraphs into lines of at most `width` columns (CJK two), as a PDF does."""
    lines = []
    for para in paragraphs:
        line, used = "", 0
        for ch in para:
            cols = 1 if ch.isascii() else 2
            if used + cols > width:
                lines.append(line)
                line, used = "", 0
            line, used = line + ch, used + cols
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("width", [30, 44, 60])
def test_hard_wrapped_paragraphs_rejoined(width):
    assert clean(_hard_wrap(PARAGRAPHS, width)) == "\n".join(PARAGRAPHS)


def test_short_lines_of_normal_text_not_joined():
    lines = [
        "一、主要工作",
        "区卫生健康局全力推进健康城区建设。",
        "二、下步打算",
        "继续深化改革。",
    ] * 3
    assert clean("\n".join(lines)) == "\n".join(lines)


# ------------------------------------------------------------------ titles found in chrome


@pytest.mark.parametrize(
    ("chrome", "title"),
    [
        ("2023年区卫生健康局年度工作报告.docx", "2023年区卫生健康局年度工作报告"),
        ("某县卫健委2024年工作总结【3560字】", "某县卫健委2024年工作总结"),
        ("区卫生健康局工作计划.pdf 第1页", "区卫生健康局工作计划"),
    ],
)
def test_title_named_by_a_chrome_line(chrome, title):
    cleaned = clean_text(f"登录下载\n{chrome}\n{BODY}")
    assert cleaned.text == BODY
    assert cleaned.title == title


def test_given_title_wins_over_chrome_line():
    cleaned = clean_text(f"某某工作总结.docx\n{BODY}", title="页面标题")
    assert cleaned.title is None and cleaned.text == BODY


def test_heading_without_year_glued_to_first_line_removed():
    text = f"2023年区卫生健康局年度工作报告.docx\n区卫生健康局年度工作报告 一、主要工作 {BODY}"
    assert clean(text) == f"一、主要工作 {BODY}"


def test_a_column_of_dated_links_is_not_reflowed_into_one_paragraph():
    """Lines of one width look like a hard-wrapped PDF, but a line ending with a date is a
    list entry (title, date): joined, a column page read as a long report."""
    from sites.generated import generate, render

    from crawler.text.process import process

    page = process(render(generate(60))["/gzzj/index_1.html"], url="http://x.gov.cn/gzzj/")
    lines = page.text.splitlines()
    assert len(lines) >= 20 and all(len(line) < 40 for line in lines)
    assert not page.relevance.relevant
    assert len(page.relevance.reasons) == 1 and page.relevance.reasons[0].startswith(
        "body: list page"
    )
