# ruff: noqa: E501  (HTML templates keep their natural line lengths)
"""Generate the sample sites' static pages and ``manifest.toml`` from ``texts/``.

The pages under ``sites/`` are ordinary, committed, human-readable HTML files; this script is
how they were written and how they stay consistent: a report that appears on several sites is
rendered from one text file, so every copy carries exactly the same paragraphs and characters
and only the chrome around it differs.

    python -m crawler.sample_site.build           # rewrite sites/ and manifest.toml
    python -m crawler.sample_site.build --check   # exit 1 if the committed files are stale

Texts are UTF-8, one paragraph per line, the report's own title on the first line.  The
``county`` site is stored as UTF-8 like the others; the server transcodes it to GB18030 bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEXTS = HERE / "texts"
SITES = HERE / "sites"
MANIFEST = HERE / "manifest.toml"

DOCX_PATH = "/gzzj/202301/P020230112531760488862.docx"


# --------------------------------------------------------------------------------------
# texts


@dataclass
class Text:
    title: str
    paras: list[str]

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.paras)


def load_text(name: str) -> Text:
    lines = [ln.strip() for ln in (TEXTS / f"{name}.txt").read_text("utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    return Text(lines[0], lines[1:])


# Characters after which the traditional-script repost site leaves pinyin, as converters do.
RUBY = {
    "衛": "wèi",
    "區": "qū",
    "計": "jì",
    "項": "xiàng",
    "務": "wù",
    "結": "jié",
    "進": "jìn",
    "點": "diǎn",
    "設": "shè",
    "統": "tǒng",
}


def traditional(text: Text) -> Text:
    import opencc  # build-time only

    conv = opencc.OpenCC("s2tw")
    return Text(conv.convert(text.title), [conv.convert(p) for p in text.paras])


def with_ruby(s: str) -> str:
    return "".join(f"{ch}({RUBY[ch]})" if ch in RUBY else ch for ch in s)


# --------------------------------------------------------------------------------------
# helpers


def e(s: str) -> str:
    return escape(s, quote=True)


def paras_html(paras: Iterable[str], indent: str = "      ") -> str:
    return "\n".join(f"{indent}<p>{e(p)}</p>" for p in paras)


CJK = re.compile(r"[\u4e00-\u9fff]")


def cut_point(p: str) -> int:
    """A mid-sentence cut: between two CJK characters, near the middle of the paragraph."""
    best = None
    for i in range(15, len(p) - 15):
        if CJK.match(p[i - 1]) and CJK.match(p[i]):
            score = abs(i - len(p) // 2)
            if best is None or score < best[0]:
                best = (score, i)
    if best is None:
        raise ValueError(f"no cut point in {p!r}")
    return best[1]


def preview_pages(paras: list[str], target: int = 260) -> list[list[str]]:
    """Split paragraphs into 文库 preview pages; every page break falls inside a sentence."""
    pages: list[list[str]] = [[]]
    size = 0
    rest = list(paras)
    while rest:
        p = rest.pop(0)
        if size >= target and len(p) >= 60 and rest:
            i = cut_point(p)
            pages[-1].append(p[:i])
            pages.append([p[i:]])
            size = len(p) - i
        else:
            pages[-1].append(p)
            size += len(p)
    return pages


# --------------------------------------------------------------------------------------
# bureau: 江州市枫林区卫生健康局

B_NAME = "江州市枫林区卫生健康局"
B_SHORT = "枫林区卫生健康局"


@dataclass
class Item:
    path: str
    title: str
    date: str


def b_head(title: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <meta http-equiv="X-UA-Compatible" content="IE=edge">
  <title>{e(title)}</title>
  <link rel="stylesheet" href="/css/style.css">
</head>
<body>
  <div class="topbar">
    <span>今天是：<span id="today"></span></span>
    <a href="javascript:;" id="wza">无障碍浏览</a> | <a href="javascript:;">长者模式</a>
    | <a href="/index.html">网站首页</a>
  </div>
  <div class="header"><a href="/index.html"><span class="logo">{B_NAME}</span></a></div>
  <ul class="nav">
    <li><a href="/index.html">首页</a></li>
    <li><a href="/zwgk/index.html">政务公开</a></li>
    <li><a href="/gzzj/index.html">工作总结</a></li>
    <li><a href="/xwdt/index.html">新闻动态</a></li>
    <li><a href="/tzgg/index.html">通知公告</a></li>
  </ul>
"""


def b_foot() -> str:
    return f"""  <div class="footer">
    <p><a href="/index.html">网站首页</a> | <a href="/zwgk/index.html">政务公开</a>
      | <a href="/admin/secret.html">内部办公</a></p>
    <p>主办单位：{B_NAME}　承办单位：枫林区大数据发展中心</p>
    <p>地址：江州市枫林区滨江路88号　邮编：332000　联系电话：0792-8123456</p>
    <p>网站标识码：3604990021　<span>赣ICP备05004512号-3</span>
      <span>赣公网安备 36049902000117号</span></p>
    <p>建议使用1366×768分辨率浏览本网站</p>
  </div>
</body>
</html>
"""


def b_crumb(*parts: tuple[str, str | None]) -> str:
    links = ['<a href="/index.html">首页</a>']
    for label, href in parts:
        links.append(f'<a href="{href}">{e(label)}</a>' if href else f"<span>{e(label)}</span>")
    return f'  <div class="crumb">当前位置：{" &gt; ".join(links)}</div>\n'


def b_xxgk(index_no: str, date: str, doc_no: str, topic: str = "卫生、体育\\卫生") -> str:
    return f"""  <table class="xxgk">
    <tr><th>索引号：</th><td>{e(index_no)}</td><th>主题分类：</th><td>{e(topic)}</td></tr>
    <tr><th>发布机构：</th><td>{B_SHORT}</td><th>发布日期：</th><td>{date}</td></tr>
    <tr><th>文号：</th><td>{e(doc_no)}</td><th>有效性：</th><td>有效</td></tr>
  </table>
"""


def b_article(
    *,
    item: Item,
    crumb: str,
    body: str,
    related: list[Item],
    xxgk: str = "",
    hits: int = 0,
    source: str = B_SHORT,
) -> str:
    rel = "\n".join(
        f'      <li><a href="{r.path}">{e(r.title)}</a><span>{r.date}</span></li>' for r in related
    )
    return (
        b_head(f"{item.title}_{B_NAME}")
        + crumb
        + xxgk
        + f"""  <div class="article">
    <h1 class="article-title">{e(item.title)}</h1>
    <div class="article-info">发布时间：{item.date} 09:30　来源：{e(source)}　浏览次数：{hits}
      　字号：[<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a>
      <a href="javascript:doZoom(14)">小</a>]</div>
    <div class="TRS_Editor" id="zoom">
{body}
    </div>
    <div class="share">分享到：<a href="javascript:;">微信</a> <a href="javascript:;">微博</a>
      <a href="javascript:;">QQ空间</a></div>
    <div class="tools"><a href="javascript:window.print()">【打印本页】</a>
      <a href="javascript:window.close()">【关闭窗口】</a></div>
    <div class="related">
      <h3>相关链接</h3>
      <ul>
{rel}
      </ul>
    </div>
  </div>
"""
        + b_foot()
    )


def b_list(*, title: str, crumb: str, items: list[Item], page: int, pages: int, base: str) -> str:
    rows = "\n".join(
        f'      <li><a href="{i.path}" target="_blank">{e(i.title)}</a><span>{i.date}</span></li>'
        for i in items
    )

    def href(n: int) -> str:
        return "index.html" if n == 0 else f"index_{n}.html"

    nav = [f"共{pages}页"]
    if pages > 1:
        nav.append(f'<a href="{href(0)}">首页</a>')
        nav.append(f'<a href="{href(page - 1)}">上一页</a>' if page > 0 else "<span>上一页</span>")
        for n in range(pages):
            nav.append(f"<b>{n + 1}</b>" if n == page else f'<a href="{href(n)}">{n + 1}</a>')
        nav.append(
            f'<a href="{href(page + 1)}">下一页</a>' if page < pages - 1 else "<span>下一页</span>"
        )
        nav.append(f'<a href="{href(pages - 1)}">尾页</a>')
    return (
        b_head(f"{title}_{B_NAME}")
        + crumb
        + f"""  <div class="column">
    <h2>{e(title)}</h2>
    <ul class="list">
{rows}
    </ul>
    <div class="pagination">{" ".join(nav)}</div>
  </div>
"""
        + b_foot()
    )


def build_bureau(out: dict[str, str]) -> None:
    annual = load_text("bureau-2023-annual")
    h1 = load_text("bureau-2024-h1")
    plan = load_text("bureau-2024-plan")
    kp = load_text("bureau-2024-keypoints")
    y2022 = load_text("bureau-2022-annual")

    i_annual = Item("/gzzj/202401/t20240115_1234.html", annual.title, "2024-01-15")
    i_h1 = Item("/gzzj/202407/t20240712_1388.html", h1.title, "2024-07-12")
    i_plan = Item("/gzzj/202401/t20240122_1241.html", plan.title, "2024-01-22")
    i_plan2 = Item("/zwgk/jhzj/202401/t20240123_1250.html", plan.title, "2024-01-23")
    i_kp = Item("/gzzj/202403/t20240305_1302.html", f"关于印发《{kp.title}》的通知", "2024-03-05")
    i_2022 = Item("/gzzj/202301/t20230112_1101.html", y2022.title, "2023-01-12")
    i_500 = Item(
        "/gzzj/202312/t20231201_9999.html", "枫林区卫生健康局2023年1-11月工作情况", "2023-12-01"
    )
    i_404 = Item(
        "/gzzj/202306/t20230630_1188.html", "枫林区卫生健康局2023年上半年工作总结", "2023-06-30"
    )

    n_meeting = Item(
        "/xwdt/202401/t20240110_1230.html", "区卫健委召开2023年工作总结会议", "2024-01-10"
    )
    n_hosp = Item(
        "/xwdt/202405/t20240520_1350.html", "区人民医院胸痛中心通过国家标准版认证", "2024-05-20"
    )
    n_covid = Item(
        "/xwdt/202301/t20230105_1095.html", "枫林区新型冠状病毒感染疫情情况通报", "2023-01-05"
    )
    t_notice = Item(
        "/tzgg/202404/t20240408_1320.html",
        "关于报送2024年上半年工作总结和下半年工作计划的通知",
        "2024-04-08",
    )
    t_tender = Item(
        "/tzgg/202405/t20240515_1345.html",
        "枫林区卫生健康局基层医疗卫生机构设备采购项目招标公告",
        "2024-05-15",
    )

    crumb_gzzj = b_crumb(("政务公开", "/zwgk/index.html"), ("工作总结", "/gzzj/index.html"))
    crumb_xwdt = b_crumb(("新闻动态", "/xwdt/index.html"))
    crumb_tzgg = b_crumb(("通知公告", "/tzgg/index.html"))
    related = [i_h1, i_kp, i_annual, i_plan]

    def rel(item: Item) -> list[Item]:
        return [r for r in related if r.path != item.path][:3]

    # home
    def lis(items: list[Item]) -> str:
        return "\n".join(
            f'        <li><a href="{i.path}">{e(i.title)}</a><span>{i.date[5:]}</span></li>'
            for i in items
        )

    out["index.html"] = (
        b_head(B_NAME)
        + f"""  <div class="banner">健康枫林　共建共享</div>
  <div class="home">
    <div class="box">
      <h3><a href="/xwdt/index.html">新闻动态</a><a class="more" href="/xwdt/index.html">更多&gt;&gt;</a></h3>
      <ul>
{lis([n_hosp, n_meeting, n_covid])}
      </ul>
    </div>
    <div class="box">
      <h3><a href="/tzgg/index.html">通知公告</a><a class="more" href="/tzgg/index.html">更多&gt;&gt;</a></h3>
      <ul>
{lis([t_tender, t_notice])}
      </ul>
    </div>
    <div class="box">
      <h3><a href="/gzzj/index.html">工作总结</a><a class="more" href="/gzzj/index.html">更多&gt;&gt;</a></h3>
      <ul>
{lis([i_h1, i_kp, i_plan, i_annual])}
      </ul>
    </div>
    <div class="box">
      <h3>政务公开</h3>
      <ul>
        <li><a href="/zwgk/index.html">政府信息公开指南</a></li>
        <li><a href="/zwgk/jhzj/index.html">计划总结</a></li>
        <li><a href="/admin/secret.html">内网办公系统入口</a></li>
      </ul>
    </div>
  </div>
"""
        + b_foot()
    )

    # 工作总结 column, three list pages, newest first
    col = [[i_h1, i_kp, i_plan], [i_annual, i_500, i_404], [i_2022]]
    for n, items in enumerate(col):
        name = "index.html" if n == 0 else f"index_{n}.html"
        out[f"gzzj/{name}"] = b_list(
            title="工作总结", crumb=crumb_gzzj, items=items, page=n, pages=len(col), base="/gzzj/"
        )

    # reports
    out[i_annual.path[1:]] = b_article(
        item=i_annual,
        crumb=crumb_gzzj,
        xxgk=b_xxgk("11360499MB1C23456F/2024-00008", i_annual.date, "无"),
        body=paras_html(annual.paras),
        related=rel(i_annual),
        hits=1287,
    )
    out[i_h1.path[1:]] = b_article(
        item=i_h1,
        crumb=crumb_gzzj,
        xxgk=b_xxgk("11360499MB1C23456F/2024-00057", i_h1.date, "无"),
        body=paras_html(h1.paras),
        related=rel(i_h1),
        hits=642,
    )
    out[i_plan.path[1:]] = b_article(
        item=i_plan,
        crumb=crumb_gzzj,
        xxgk=b_xxgk("11360499MB1C23456F/2024-00011", i_plan.date, "无"),
        body=paras_html(plan.paras),
        related=rel(i_plan),
        hits=903,
    )
    cover = [
        "各街道社区卫生服务中心，区属各医疗卫生单位，局机关各科室：",
        f"现将《{kp.title}》印发给你们，请结合实际，认真抓好贯彻落实。",
    ]
    kp_body = (
        paras_html(cover)
        + '\n      <p style="text-align:right">枫林区卫生健康局</p>'
        + '\n      <p style="text-align:right">2024年3月4日</p>'
        + '\n      <p style="text-align:center"><strong>'
        + e(kp.title)
        + "</strong></p>\n"
        + paras_html(kp.paras)
    )
    out[i_kp.path[1:]] = b_article(
        item=i_kp,
        crumb=crumb_gzzj,
        xxgk=b_xxgk("11360499MB1C23456F/2024-00023", i_kp.date, "枫卫健〔2024〕5号"),
        body=kp_body,
        related=rel(i_kp),
        hits=1518,
    )
    stub = (
        "      <p>详见附件。</p>\n"
        '      <p class="attachment">附件：<a href="P020230112531760488862.docx">'
        f"{e(y2022.title)}.docx</a></p>"
    )
    out[i_2022.path[1:]] = b_article(
        item=i_2022,
        crumb=crumb_gzzj,
        xxgk=b_xxgk("11360499MB1C23456F/2023-00004", i_2022.date, "无"),
        body=stub,
        related=rel(i_2022),
        hits=2210,
    )
    out[DOCX_PATH[1:] + ".txt"] = "\n".join([y2022.title, *y2022.paras]) + "\n"

    # the same plan again, in 政务公开 > 计划总结, on the other page template
    out["zwgk/index.html"] = b_list(
        title="政务公开",
        crumb=b_crumb(("政务公开", "/zwgk/index.html")),
        items=[
            Item("/zwgk/jhzj/index.html", "计划总结", "2024-01-23"),
            Item("/gzzj/index.html", "工作总结", "2024-07-12"),
            Item("/tzgg/index.html", "通知公告", "2024-05-15"),
        ],
        page=0,
        pages=1,
        base="/zwgk/",
    )
    crumb_jhzj = (
        '  <div class="position">您当前的位置：<a href="/index.html">首页</a> &gt; '
        '<a href="/zwgk/index.html">政务公开</a> &gt; <a href="/zwgk/jhzj/index.html">计划总结</a>'
        "</div>\n"
    )
    out["zwgk/jhzj/index.html"] = b_list(
        title="计划总结", crumb=crumb_jhzj, items=[i_plan2], page=0, pages=1, base="/zwgk/jhzj/"
    )
    out[i_plan2.path[1:]] = (
        b_head(f"{plan.title}-计划总结-{B_NAME}")
        + crumb_jhzj
        + f"""  <div class="xxgk-box">
    <dl><dt>名　　称：</dt><dd>{e(plan.title)}</dd></dl>
    <dl><dt>索 引 号：</dt><dd>11360499MB1C23456F/2024-00012</dd>
        <dt>生成日期：</dt><dd>2024-01-23</dd></dl>
    <dl><dt>发布机构：</dt><dd>{B_SHORT}</dd><dt>文　　号：</dt><dd>枫卫健发〔2024〕2号</dd></dl>
  </div>
  <div class="detail">
    <h2 class="detail-title">{e(plan.title)}</h2>
    <div class="detail-meta">【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a>
      <a href="javascript:;">小</a>】　扫一扫在手机打开当前页</div>
    <div id="UCAP-CONTENT">
{paras_html(plan.paras)}
    </div>
    <div class="detail-tools"><a href="javascript:window.print()">打印本页</a> |
      <a href="javascript:window.close()">关闭窗口</a></div>
  </div>
"""
        + b_foot()
    )

    # 新闻动态: none of these is a report
    meeting = [
        "1月9日，区卫生健康局召开2023年工作总结暨2024年工作部署会议。局领导班子成员，"
        "局机关各科室负责人，区属各医疗卫生单位主要负责人共80余人参加会议。",
        "会上，局党组书记、局长周文斌作工作报告，全面回顾2023年全区卫生健康工作取得的成绩，"
        "分析当前面临的形势，部署2024年重点任务。区人民医院、石桥街道社区卫生服务中心作交流发言。",
        "会议强调，2024年全区卫生健康系统要聚焦群众看病就医急难愁盼问题，"
        "以更实的作风、更硬的举措推动各项工作落地见效。",
        "会上还对2023年度先进集体和先进个人进行了表彰。",
    ]
    hosp = [
        "近日，国家胸痛中心总部公布第二十批认证单位名单，区人民医院胸痛中心顺利通过国家标准版胸痛中心认证。",
        "自2022年启动建设以来，区人民医院整合急诊科、心血管内科、影像科等科室资源，"
        "建立胸痛患者救治绿色通道，急性心肌梗死患者从进门到球囊扩张平均时间缩短至68分钟。",
        "下一步，医院将与辖区社区卫生服务中心加强协作，构建区域协同救治网络。",
    ]
    covid = [
        "2023年1月4日0—24时，我区新增新型冠状病毒感染者37例，均在定点医院规范治疗。",
        "目前全区设置发热门诊12个、发热诊室21个，二级以上医院重症床位已扩充至96张。",
        "请广大市民继续做好个人防护，出现发热等症状时及时就医。",
    ]
    for item, paras, hits in (
        (n_meeting, meeting, 356),
        (n_hosp, hosp, 211),
        (n_covid, covid, 5120),
    ):
        out[item.path[1:]] = b_article(
            item=item,
            crumb=crumb_xwdt,
            body=paras_html(paras),
            related=[n for n in (n_hosp, n_meeting, n_covid) if n is not item],
            hits=hits,
            source="区卫生健康局办公室",
        )
    out["xwdt/index.html"] = b_list(
        title="新闻动态",
        crumb=crumb_xwdt,
        items=[n_hosp, n_meeting, n_covid],
        page=0,
        pages=1,
        base="/xwdt/",
    )

    notice = [
        "各街道社区卫生服务中心，区属各医疗卫生单位：",
        "为做好2024年上半年工作总结和下半年工作计划的汇总工作，现将有关事项通知如下：",
        "一、请各单位于2024年6月20日前将上半年工作总结和下半年工作计划报送至局办公室，"
        "材料控制在3000字以内。",
        "二、材料应包括上半年主要工作、存在问题及下半年工作打算，数据截至2024年6月15日。",
        "联系人：刘敏　联系电话：0792-8123470",
    ]
    tender = [
        "项目名称：枫林区基层医疗卫生机构设备采购项目",
        "项目编号：FLCG-2024-0316",
        "预算金额：386.5万元",
        "采购需求：数字化X射线摄影系统2台、全自动生化分析仪3台、彩色多普勒超声诊断仪4台。",
        "获取招标文件时间：2024年5月16日至2024年5月22日，每天上午9:00至11:30，下午14:30至17:00。",
        "投标截止时间：2024年6月5日9时30分。",
        "采购人：枫林区卫生健康局　联系电话：0792-8123465",
    ]
    for item, paras, hits in ((t_notice, notice, 489), (t_tender, tender, 733)):
        out[item.path[1:]] = b_article(
            item=item,
            crumb=crumb_tzgg,
            body=paras_html(paras),
            related=[t for t in (t_notice, t_tender) if t is not item],
            hits=hits,
        )
    out["tzgg/index.html"] = b_list(
        title="通知公告",
        crumb=crumb_tzgg,
        items=[t_tender, t_notice],
        page=0,
        pages=1,
        base="/tzgg/",
    )

    out["admin/secret.html"] = (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head><meta charset="utf-8">'
        "<title>内网办公系统</title></head>\n<body>\n"
        "  <h1>内网办公系统</h1>\n"
        "  <p>本页面仅供局机关内部使用。robots.txt 禁止抓取本目录，爬虫不应访问此页面。</p>\n"
        "</body>\n</html>\n"
    )
    out["robots.txt"] = "User-agent: *\nDisallow: /admin/\n"
    out["css/style.css"] = (
        "body { font-family: 'Microsoft YaHei', sans-serif; margin: 0 auto; width: 1100px; }\n"
        ".nav li { display: inline-block; padding: 0 12px; }\n"
        ".article-title { text-align: center; font-size: 22px; }\n"
        ".TRS_Editor p { text-indent: 2em; line-height: 2; }\n"
        ".footer { border-top: 2px solid #c00; color: #666; font-size: 12px; }\n"
    )


# --------------------------------------------------------------------------------------
# wenku: 千禾文库


W_NAME = "千禾文库"


def w_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{e(title)} - {W_NAME}</title>
  <link rel="stylesheet" href="/static/wk.css">
</head>
<body>
  <div class="app-banner">添加{W_NAME}到桌面，下次访问更方便　<a href="javascript:;">立即添加</a>
    　<a href="javascript:;">下载APP</a></div>
  <div class="top"><a href="/index.html" class="logo">{W_NAME}</a>
    <form action="/index.html" method="get"><input name="q" placeholder="搜索文档"><button>搜索</button></form>
    <a href="javascript:;">登录</a> | <a href="javascript:;">注册</a></div>
{main}
  <div class="footer">
    <p><a href="/index.html">首页</a> | <a href="javascript:;">关于我们</a> | <a href="javascript:;">侵权投诉</a></p>
    <p>copyright@ 2016-2024 {W_NAME} qhwk.net 网站版权所有</p>
    <p>经营许可证编号：浙ICP备16031225号-2　浙公网安备 33010602010877号</p>
  </div>
</body>
</html>
"""


def w_doc(
    *,
    doc_id: int,
    title: str,
    paras: list[str],
    fmt: str,
    size: str,
    points: int,
    uploader: str,
    uploaded: str,
    category: str,
    related: list[tuple[int, str]],
    truncate_after: int | None = None,
) -> str:
    pages = preview_pages(paras)
    total = len(pages)
    shown = pages if truncate_after is None else pages[:truncate_after]
    fname = f"{title}.{fmt.lower()}"
    thumbs = "\n".join(f"      <li>{e(fname)} 第{n}页</li>" for n in range(1, total + 1))
    blocks = []
    for n, page in enumerate(shown, 1):
        ps = [f"{n}、{page[0]}", *page[1:]]
        blocks.append(
            f'    <div class="preview-page" data-page="{n}">\n'
            + paras_html(ps, "      ")
            + "\n    </div>"
        )
    if truncate_after is not None and truncate_after < total:
        tail = f'    <div class="preview-end">试读已结束，还剩{total - truncate_after}页未读，下载后查看全文</div>'
    else:
        tail = f'    <div class="preview-end">本文档共{total}页，全文阅读已结束</div>'
    rel = "\n".join(f'      <li><a href="/doc/{i}.html">{e(t)}</a></li>' for i, t in related)
    main = f"""  <div class="crumb"><a href="/index.html">首页</a> &gt; <a href="/index.html">{e(category)}</a>
    &gt; <span>{e(title)}</span></div>
  <h1 class="doc-title">{e(title)}</h1>
  <div class="doc-meta">上传人：{e(uploader)}　文档编号：{doc_id}　上传时间：{uploaded}
    　浏览：{doc_id % 977}　下载：{doc_id % 53}　<a href="javascript:;">海报</a></div>
  <div class="down-panel">
    <p>ImageVerifierCode 换一换</p>
    <p>格式:{fmt} , 页数:{total} ,大小:{size} ,</p>
    <p>资源ID:{doc_id}　　下载积分:{points} 积分</p>
    <p><a href="javascript:;" class="btn">快捷下载</a> <a href="javascript:;" class="btn">登录下载</a></p>
    <p>邮箱/手机：<input type="text"></p>
    <p>温馨提示：快捷下载时，用户名和密码都是您填写的邮箱或者手机号，方便查询和重复下载(系统自动生成)。</p>
    <p>特别说明：请自助下载，系统不会自动发送文件的哦；如果您已付费，想二次下载，请登录后访问：我的下载记录</p>
    <p>支付方式：支付宝扫码支付　微信扫码支付</p>
    <p>验证码：<input type="text" size="4">　换一换</p>
    <p class="vip"><a href="javascript:;">加入VIP，免费下载</a>　VIP专享文档，VIP免费下载</p>
    <p>已注册用户请登录：账号：<input type="text"> 密码：<input type="password">
      <a href="javascript:;">忘记密码?</a>　三方登录：<a href="javascript:;">QQ登录</a></p>
  </div>
  <div class="notice">
    <h3>下载须知</h3>
    <ol>
      <li>1：本站所有资源如无特殊说明，都需要本地电脑安装OFFICE2007及以上版本和PDF阅读器。</li>
      <li>2：文档预览效果与下载后的文档可能存在排版差异，请以下载后的文档为准。</li>
      <li>3：文件的所有权益归上传用户所有。</li>
      <li>4：未经权益所有人同意不得将文件中的内容挪作商业或盈利用途。</li>
      <li>5：本站仅提供交流平台，并不能对任何下载内容负责。</li>
      <li>6：下载文件中如有侵权或不适当内容，请与我们联系，我们立即纠正。</li>
    </ol>
    <p><a href="javascript:;">版权提示</a> | <a href="javascript:;">免责声明</a></p>
    <p>本文({e(fname)})为本站会员({e(uploader)})主动上传，{W_NAME}仅提供信息存储空间，仅对用户上传内容的表现方式做保护处理，对上载内容本身不做任何修改或编辑。若此文所含内容侵犯了您的版权或隐私，请立即通知{W_NAME}(发送邮件至kefu@qhwk.net)，我们立即给予删除！</p>
  </div>
  <div class="doc-body">
    <div class="file-name">{e(fname)}</div>
    <ul class="thumbs">
{thumbs}
    </ul>
{chr(10).join(blocks)}
{tail}
  </div>
  <div class="related">
    <h3>相关资源</h3>
    <ul>
{rel}
    </ul>
  </div>"""
    return w_page(title, main)


EXAM = [
    "一、单项选择题(每题1分，共40分)",
    "1.我国卫生健康工作方针中，把什么放在优先发展的战略位置(　　)",
    "A.经济发展　B.人民健康　C.医疗改革　D.科技创新",
    "2.下列哪项不属于国家基本公共卫生服务项目(　　)",
    "A.居民健康档案管理　B.预防接种　C.住院手术治疗　D.老年人健康管理",
    "3.法定传染病中，属于甲类传染病的是(　　)",
    "A.鼠疫　B.艾滋病　C.肺结核　D.流行性感冒",
    "4.家庭医生签约服务的重点人群不包括(　　)",
    "A.老年人　B.孕产妇　C.慢性病患者　D.在校大学生",
    "二、判断题(每题1分，共20分)",
    "1.基层医疗卫生机构是公共卫生服务的主要提供者。(　　)",
    "2.突发公共卫生事件应当在2小时内向所在地县级人民政府卫生行政部门报告。(　　)",
    "三、简答题(每题10分，共40分)",
    "1.简述医联体建设的主要模式及其作用。",
    "2.简述基本公共卫生服务项目的主要内容。",
    "参考答案：一、1.B　2.C　3.A　4.D　二、1.对　2.对",
]

NURSING = [
    "为进一步提高护理质量，保障患者安全，根据医院年度工作目标，结合护理部实际，特制定2024年护理工作计划如下：",
    "一、加强护理人力资源管理。合理配置各病区护理人员，床护比达到1:0.6以上，夜班实行弹性排班制度，"
    "全年计划新招聘护士35名，全部参加岗前规范化培训。",
    "二、提高护理服务质量。深化优质护理服务，优质护理病房覆盖率达到100%；每月开展护理质量检查，"
    "对压力性损伤、跌倒坠床、非计划拔管等不良事件进行分析整改，住院患者满意度保持在95%以上。",
    "三、加强护理专科建设。重点发展伤口造口、静脉治疗、糖尿病护理三个专科护理小组，"
    "选派10名骨干护士参加省级专科护士培训。",
    "四、做好护理教学和科研工作。完成实习护生带教任务，鼓励护士撰写护理论文，全年发表论文不少于8篇。",
]


def build_wenku(out: dict[str, str]) -> None:
    annual = load_text("bureau-2023-annual")
    h1 = load_text("bureau-2024-h1")
    city = load_text("wenku-city-2023-report")
    related = [
        (630539, annual.title),
        (702214, h1.title),
        (588120, city.title),
        (640233, "2024年医院护理部工作计划"),
        (615877, "2023年卫生系统招聘考试《公共卫生基础知识》真题及答案"),
    ]

    def rel(doc_id: int) -> list[tuple[int, str]]:
        return [r for r in related if r[0] != doc_id]

    out["doc/630539.html"] = w_doc(
        doc_id=630539,
        title=annual.title,
        paras=annual.paras,
        fmt="DOCX",
        size="23.4KB",
        points=12,
        uploader="fl****7",
        uploaded="2024-02-03",
        category="行业资料",
        related=rel(630539),
    )
    out["doc/702214.html"] = w_doc(
        doc_id=702214,
        title=h1.title,
        paras=h1.paras,
        fmt="DOCX",
        size="19.8KB",
        points=10,
        uploader="ws****2",
        uploaded="2024-07-26",
        category="行业资料",
        related=rel(702214),
    )
    out["doc/588120.html"] = w_doc(
        doc_id=588120,
        title=city.title,
        paras=city.paras,
        fmt="DOC",
        size="41.5KB",
        points=15,
        uploader="jz****9",
        uploaded="2024-01-29",
        category="工作报告",
        related=rel(588120),
    )
    out["doc/640233.html"] = w_doc(
        doc_id=640233,
        title="2024年医院护理部工作计划",
        paras=NURSING,
        fmt="DOCX",
        size="16.2KB",
        points=5,
        uploader="hl****0",
        uploaded="2024-02-21",
        category="医药卫生",
        related=rel(640233),
    )
    out["doc/615877.html"] = w_doc(
        doc_id=615877,
        title="2023年卫生系统招聘考试《公共卫生基础知识》真题及答案",
        paras=EXAM,
        fmt="PDF",
        size="312KB",
        points=20,
        uploader="ks****5",
        uploaded="2023-11-12",
        category="资格考试",
        related=rel(615877),
        truncate_after=1,
    )
    items = "\n".join(
        f'      <li><a href="/doc/{i}.html">{e(t)}</a><span>DOCX</span></li>' for i, t in related
    )
    out["index.html"] = w_page(
        "免费文档分享平台",
        f"""  <div class="home">
    <h2>最新上传</h2>
    <ul class="doc-list">
{items}
    </ul>
    <p class="hot">热门搜索：卫健委工作总结　卫生健康局工作计划　年度工作报告　工作要点</p>
  </div>""",
    )
    out["robots.txt"] = "User-agent: *\nDisallow: /user/\nDisallow: /docdown/\n"
    out["static/wk.css"] = (
        "body { font: 14px/1.6 sans-serif; }\n"
        ".down-panel { border: 1px solid #f90; padding: 8px; }\n"
        ".preview-page { border: 1px solid #ddd; margin: 12px 0; padding: 24px; }\n"
        ".thumbs li { display: inline-block; font-size: 12px; }\n"
    )


# --------------------------------------------------------------------------------------
# fanwen: 青藤范文网

F_NAME = "青藤范文网"
F_AD = "青藤范文网 www.qtfanwen.cn 各类范文免费下载，材料代写请加微信：qtfw2021"


def f_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
  <meta charset="utf-8">
  <title>{e(title)}</title>
  <meta name="keywords" content="卫健委工作总结,卫生健康局工作总结,工作总结范文">
  <link rel="stylesheet" href="/skin/fw.css">
</head>
<body>
  <div class="head"><a href="/index.html">{F_NAME}</a>
    <a href="/index.html">首页</a> <a href="/gzzj/index.html">工作总结</a>
    <a href="/tag/weijianwei.html">卫健委工作总结</a></div>
{main}
  <div class="foot">
    <p>{F_NAME}　版权所有　<span>闽ICP备19008826号-1</span></p>
    <p>本站部分文章来自网络，如有侵权请联系删除。</p>
  </div>
</body>
</html>
"""


def f_article(
    *,
    title: str,
    paras: list[str],
    date: str,
    views: int,
    recommend: list[tuple[str, str]],
    lead: str,
    ad_after: int,
    first_line: str | None = None,
    page_title: str | None = None,
) -> str:
    body = list(paras)
    body_html = paras_html(body[:ad_after]) + f'\n      <p class="ad">{e(F_AD)}</p>\n'
    body_html += paras_html(body[ad_after:])
    if first_line:
        body_html = f"      <p>{e(first_line)}</p>\n" + body_html
    words = sum(len(p) for p in paras)
    recs = "\n".join(f'      <li><a href="{h}">{e(t)}</a></li>' for h, t in recommend)
    main = f"""  <div class="place">所在栏目:<a href="/gzzj/index.html">工作总结</a> &gt;
    关键词:<a href="/tag/weijianwei.html">卫健委工作总结</a></div>
  <div class="arc">
    <h1>{e(title)}【{words}字】</h1>
    <div class="info">发布时间:{date}　浏览量:{views}　<a href="/gzzj/index.html">工作总结范文</a></div>
    <div class="lead">{e(lead)}</div>
    <div class="content">
{body_html}
    </div>
    <p class="ad">{e(F_AD)}</p>
    <div class="tuijian">
      <h3>推荐阅读：</h3>
      <ul>
{recs}
      </ul>
    </div>
  </div>"""
    return f_page(page_title or f"{title}_{F_NAME}", main)


NURSE_SELF = [
    "时光飞逝，转眼间一年的工作即将结束。在科室领导和护士长的关心指导下，我认真履行护士岗位职责，"
    "较好地完成了各项护理工作。",
    "一、思想方面。积极参加医院组织的政治学习和业务培训，爱岗敬业，全心全意为患者服务。",
    "二、业务方面。熟练掌握静脉输液、心肺复苏等护理操作，全年护理患者1200余人次，未发生护理差错。",
    "三、不足与打算。今后我将继续加强专业知识学习，不断提高自身业务水平，为患者提供更优质的护理服务。",
]


def build_fanwen(out: dict[str, str]) -> None:
    annual = load_text("bureau-2023-annual")
    tpl = load_text("fanwen-template")
    qinghe = load_text("fanwen-qinghe-2023")
    a_path, t_path, q_path, n_path = (
        "/gzzj/20934.html",
        "/gzzj/18211.html",
        "/gzzj/21577.html",
        "/gzzj/19022.html",
    )
    nurse_title = "2023年护士个人年终工作总结"
    listing = [
        (q_path, qinghe.title, "2024-03-02"),
        (a_path, annual.title, "2024-02-18"),
        (n_path, nurse_title, "2023-12-27"),
        (t_path, tpl.title, "2023-07-08"),
    ]

    def recommend(path: str) -> list[tuple[str, str]]:
        return [(h, t) for h, t, _ in listing if h != path]

    out[a_path[1:]] = f_article(
        title=annual.title,
        paras=annual.paras,
        date="2024-02-18 08:12",
        views=1034,
        recommend=recommend(a_path),
        lead=f"卫健委工作总结怎么写？下面是{F_NAME}小编为大家整理的{annual.title}，仅供参考，欢迎阅读！",
        ad_after=9,
    )
    out[t_path[1:]] = f_article(
        title=tpl.title,
        paras=tpl.paras,
        date="2023-07-08 16:40",
        views=2875,
        recommend=recommend(t_path),
        lead=f"{F_NAME}为您精选了卫健委上半年工作总结范文，可直接替换xx处内容使用。",
        ad_after=6,
    )
    spam = "久久精品视频在线观看_国产精品久久久久久免费_午夜精品一区二区_日韩欧美精品综合在线"
    out[q_path[1:]] = f_article(
        title=qinghe.title,
        paras=qinghe.paras,
        date="2024-03-02 10:05",
        views=77,
        recommend=recommend(q_path),
        lead=f"以下是{F_NAME}为您整理的{qinghe.title}，希望对您有所帮助。",
        ad_after=5,
        first_line=spam,
        page_title=f"{spam}_{qinghe.title}",
    )
    out[n_path[1:]] = f_article(
        title=nurse_title,
        paras=NURSE_SELF,
        date="2023-12-27 09:00",
        views=5621,
        recommend=recommend(n_path),
        lead="护士年终工作总结怎么写？一起来看看吧。",
        ad_after=2,
    )
    rows = "\n".join(
        f'      <li><a href="{h}">{e(t)}</a><span>{d}</span></li>' for h, t, d in listing
    )
    out["gzzj/index.html"] = f_page(
        f"工作总结_{F_NAME}",
        f"""  <div class="place">当前位置：<a href="/index.html">首页</a> &gt; 工作总结</div>
  <ul class="list">
{rows}
  </ul>""",
    )
    out["tag/weijianwei.html"] = f_page(
        f"卫健委工作总结_{F_NAME}",
        f"""  <div class="place">当前位置：<a href="/index.html">首页</a> &gt; 关键词：卫健委工作总结</div>
  <ul class="list">
{rows}
  </ul>""",
    )
    out["index.html"] = f_page(
        f"{F_NAME}_工作总结_工作计划_心得体会",
        f"""  <div class="home">
    <h2><a href="/gzzj/index.html">工作总结</a></h2>
    <ul class="list">
{rows}
    </ul>
    <p class="ad">{e(F_AD)}</p>
  </div>""",
    )
    out["robots.txt"] = "User-agent: *\nDisallow: /e/\n"
    out["skin/fw.css"] = "body { font: 15px/1.8 serif; }\n.ad { color: #c00; }\n"


# --------------------------------------------------------------------------------------
# county: 清源县卫生健康委员会, served as GB18030 bytes

C_NAME = "清源县卫生健康委员会"


def c_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html>
<head>
<meta charset="gb2312">
<title>{e(title)}</title>
<link rel="stylesheet" href="/script/0/style.css">
</head>
<body>
<div class="top">{C_NAME}</div>
<div class="menu"><a href="/index.html">首页</a> <a href="/col/col1229/index.html">规划计划</a>
  <a href="/col/col1230/index.html">卫健动态</a></div>
{main}
<div class="bottom">
  <p>版权所有：{C_NAME}　地址：清源县昇平大道16号</p>
  <p>网站标识码：3604290005　赣ICP备08012733号　赣公网安备 36042902000031号</p>
</div>
</body>
</html>
"""


def c_article(title: str, date: str, paras: list[str], col: tuple[str, str], index_no: str) -> str:
    return c_page(
        f"{title}-{C_NAME}",
        f"""<div class="bt_link">当前位置：<a href="/index.html">首页</a> &gt;&gt;
  <a href="{col[1]}">{e(col[0])}</a></div>
<table class="xxgk_table">
  <tr><td>索引号：{index_no}</td><td>发布机构：{C_NAME}</td></tr>
  <tr><td>发布日期：{date}</td><td>信息来源：县卫健委办公室</td></tr>
</table>
<div class="title">{e(title)}</div>
<div class="info">日期：{date}　来源：县卫健委　【字体：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>】</div>
<div id="zoom">
{paras_html(paras, "")}
</div>
<div class="close"><a href="javascript:window.print();">打印本页</a> <a href="javascript:window.close();">关闭窗口</a></div>""",
    )


def build_county(out: dict[str, str]) -> None:
    a = load_text("county-2023-annual")
    h = load_text("county-2024-h1")
    news_title = "县人民医院院长王镕带队赴堃山村开展义诊活动"
    news = [
        "5月8日，县人民医院院长王镕带领心内科、骨科、儿科等科室专家12人，赴昇平镇堃山村开展“健康义诊进乡村”活动。",
        "义诊现场，专家们为村民测量血压、血糖，开展健康咨询，并为行动不便的老人上门服务。"
        "活动共接诊村民230余人次，发放健康宣传资料500余份。",
        "县人民医院儿科医师张喆还为村小学的孩子们上了一堂健康知识课。",
    ]
    col_plan = ("规划计划", "/col/col1229/index.html")
    col_news = ("卫健动态", "/col/col1230/index.html")
    p_a = "/art/2024/1/18/art_1229_5521.html"
    p_h = "/art/2024/7/15/art_1229_5873.html"
    p_n = "/art/2024/5/9/art_1230_5702.html"
    out[p_a[1:]] = c_article(a.title, "2024-01-18", a.paras, col_plan, "001234567/2024-00012")
    out[p_h[1:]] = c_article(h.title, "2024-07-15", h.paras, col_plan, "001234567/2024-00061")
    out[p_n[1:]] = c_article(news_title, "2024-05-09", news, col_news, "001234567/2024-00044")

    def lst(items: list[tuple[str, str, str]]) -> str:
        return "\n".join(f'  <li><a href="{p}">{e(t)}</a> [{d}]</li>' for p, t, d in items)

    plan_items = [(p_h, h.title, "2024-07-15"), (p_a, a.title, "2024-01-18")]
    news_items = [(p_n, news_title, "2024-05-09")]
    out["col/col1229/index.html"] = c_page(
        f"规划计划-{C_NAME}", f'<ul class="list">\n{lst(plan_items)}\n</ul>'
    )
    out["col/col1230/index.html"] = c_page(
        f"卫健动态-{C_NAME}", f'<ul class="list">\n{lst(news_items)}\n</ul>'
    )
    out["index.html"] = c_page(
        C_NAME,
        f"""<div class="box"><h3>卫健动态</h3>
<ul>
{lst(news_items)}
</ul></div>
<div class="box"><h3>规划计划</h3>
<ul>
{lst(plan_items)}
</ul></div>""",
    )
    out["robots.txt"] = "User-agent: *\nDisallow: /module/\n"
    out["script/0/style.css"] = "body { font-size: 12px; }\n#zoom p { text-indent: 2em; }\n"


# --------------------------------------------------------------------------------------
# tw: 健康文萃網, traditional-script reposts with pinyin left behind by a converter

T_NAME = "健康文萃網"


def t_page(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-Hant">
<head>
  <meta charset="utf-8">
  <title>{e(title)}_{T_NAME}</title>
  <link rel="stylesheet" href="/css/tw.css">
</head>
<body>
  <div class="head"><a href="/index.html">{T_NAME}</a> — <a href="/index.html">首頁</a></div>
{main}
  <div class="foot">Copyright © 2024 {T_NAME} 版權所有</div>
</body>
</html>
"""


def t_article(
    title: str, paras: list[str], when: str, views: int, others: list[tuple[str, str]]
) -> str:
    links = "\n".join(f'      <li><a href="{h}">{e(t)}</a></li>' for h, t in others)
    return t_page(
        title,
        f"""  <div class="art">
    <h1>{e(with_ruby(title))}</h1>
    <div class="meta">時間:{when} 瀏覽量:{views}</div>
    <div class="body">
{paras_html([with_ruby(p) for p in paras])}
    </div>
    <div class="more">
      <h3>相關文章</h3>
      <ul>
{links}
      </ul>
    </div>
  </div>""",
    )


def build_tw(out: dict[str, str]) -> None:
    rep = tw_text()
    news = traditional(
        Text(
            "澄溪区举办“健康进社区”义诊活动",
            [
                "7月6日，澄溪区卫生健康局联合区内8家社区卫生服务中心，在湖滨广场举办“健康进社区”大型义诊活动。",
                "活动现场设置内科、中医、口腔、眼科等咨询台12个，为居民免费测量血压血糖，讲解夏季常见病预防知识。",
                "当天共服务居民860余人次，发放宣传资料1500余份。",
            ],
        )
    )
    p_r, p_n = "/wenzhang/3581.html", "/wenzhang/3590.html"
    out[p_r[1:]] = t_article(rep.title, rep.paras, "2024-07-10 16:58", 3, [(p_n, news.title)])
    out[p_n[1:]] = t_article(news.title, news.paras, "2024-07-12 09:21", 11, [(p_r, rep.title)])
    out["index.html"] = t_page(
        "首頁",
        f"""  <ul class="list">
    <li><a href="{p_n}">{e(news.title)}</a> 2024-07-12</li>
    <li><a href="{p_r}">{e(rep.title)}</a> 2024-07-10</li>
  </ul>""",
    )
    out["robots.txt"] = "User-agent: *\nDisallow:\n"
    out["css/tw.css"] = "body { font-family: 'PMingLiU', serif; }\n"


def tw_text() -> Text:
    return traditional(load_text("tw-chengxi-2024-h1.simplified"))


# --------------------------------------------------------------------------------------
# manifest


@dataclass
class Report:
    id: str
    text: Text
    phrase: str
    year: int | None
    doc_type: str
    period: str | None
    region: str | None
    agency: str | None
    urls: list[tuple[str, str]]
    encoding: str = "utf-8"
    script: str = "simplified"
    is_template: bool = False
    title_simplified: str | None = None
    notes: str = ""
    extra: dict[str, object] = field(default_factory=dict)


def reports() -> list[Report]:
    tw = tw_text()
    return [
        Report(
            "bureau-2023-annual",
            load_text("bureau-2023-annual"),
            "全年开展新技术新项目37项",
            2023,
            "工作总结",
            "年度",
            "枫林区",
            "枫林区卫生健康局",
            [
                ("bureau", "/gzzj/202401/t20240115_1234.html"),
                ("wenku", "/doc/630539.html"),
                ("fanwen", "/gzzj/20934.html"),
            ],
            notes="three copies with identical body text: bureau article, 文库 preview pages "
            "(split mid-sentence), 范文 page with the advert line inserted between paragraphs",
        ),
        Report(
            "bureau-2024-h1",
            load_text("bureau-2024-h1"),
            "为辖区1.3万名0至6岁儿童开展孤独症初筛",
            2024,
            "工作总结",
            "上半年",
            "枫林区",
            "枫林区卫生健康局",
            [("bureau", "/gzzj/202407/t20240712_1388.html"), ("wenku", "/doc/702214.html")],
        ),
        Report(
            "bureau-2024-plan",
            load_text("bureau-2024-plan"),
            "建成社会心理服务站点12个",
            2024,
            "工作计划",
            "年度",
            "枫林区",
            "枫林区卫生健康局",
            [
                ("bureau", "/gzzj/202401/t20240122_1241.html"),
                ("bureau", "/zwgk/jhzj/202401/t20240123_1250.html"),
            ],
            notes="the second URL is the 政务公开 > 计划总结 column, on another page template",
        ),
        Report(
            "bureau-2024-keypoints",
            load_text("bureau-2024-keypoints"),
            "人均基本公共卫生服务经费补助标准提高到94元",
            2024,
            "工作要点",
            "年度",
            "枫林区",
            "枫林区卫生健康局",
            [("bureau", "/gzzj/202403/t20240305_1302.html")],
            notes="published inside a 关于印发…的通知 cover letter (addressees, one sentence, "
            "signature, date) which is not part of the report",
        ),
        Report(
            "bureau-2022-annual-docx",
            load_text("bureau-2022-annual"),
            "60岁以上老年人全程接种率达到91.2%",
            2022,
            "工作总结",
            "年度",
            "枫林区",
            "枫林区卫生健康局",
            [("bureau", DOCX_PATH)],
            notes="exists only as a .docx attachment (first paragraph is the title); the article "
            "page linking it only says 详见附件",
        ),
        Report(
            "wenku-city-2023-report",
            load_text("wenku-city-2023-report"),
            "市第一人民医院东院区、市儿童医院二期建成投用",
            2023,
            "工作报告",
            "年度",
            "江州市",
            "江州市卫生健康委员会",
            [("wenku", "/doc/588120.html")],
        ),
        Report(
            "fanwen-template",
            load_text("fanwen-template"),
            "联合xx家乡镇卫生院组建紧密型县域医共体",
            None,
            "工作总结",
            "上半年",
            None,
            "县卫健委",
            [("fanwen", "/gzzj/18211.html")],
            is_template=True,
            notes="template with xx县 / 20xx年 placeholders: year is null",
        ),
        Report(
            "fanwen-qinghe-2023",
            load_text("fanwen-qinghe-2023"),
            "引进江州医科大学附属口腔医院在我区设立分院",
            2023,
            "工作总结",
            "年度",
            "青禾区",
            "青禾区卫生健康局",
            [("fanwen", "/gzzj/21577.html")],
            notes="the page's first line and <title> carry SEO spam",
        ),
        Report(
            "county-2023-annual",
            load_text("county-2023-annual"),
            "县人民医院院长王镕带领专家团队每月到乡镇卫生院巡诊",
            2023,
            "工作总结",
            "年度",
            "清源县",
            "清源县卫生健康委员会",
            [("county", "/art/2024/1/18/art_1229_5521.html")],
            encoding="gb18030",
            extra={"gbk_only": ["镕", "堃", "珺", "昇", "喆"]},
        ),
        Report(
            "county-2024-h1",
            load_text("county-2024-h1"),
            "完成堃山村、石门村等8个村卫生室标准化改造",
            2024,
            "工作总结",
            "上半年",
            "清源县",
            "清源县卫生健康委员会",
            [("county", "/art/2024/7/15/art_1229_5873.html")],
            encoding="gb18030",
            extra={"gbk_only": ["镕", "堃", "昇"]},
        ),
        Report(
            "tw-chengxi-2024-h1",
            tw,
            "完成初篩5930人，初篩率達到52.4%",
            2024,
            "工作总结",
            "上半年",
            "澄溪区",
            "澄溪区卫生健康局",
            [("tw", "/wenzhang/3581.html")],
            script="traditional",
            title_simplified=load_text("tw-chengxi-2024-h1.simplified").title,
            notes="pinyin in parentheses follows some characters on the page (衛(wèi)); "
            "first_line, last_line and title are given without it",
        ),
    ]


SITE_INFO = [
    ("bureau", "江州市枫林区卫生健康局 (district bureau portal, TRS-style URLs)", "utf-8"),
    ("wenku", "千禾文库 (document-sharing site, download panels, preview pages)", "utf-8"),
    ("fanwen", "青藤范文网 (范文 site, word counts, adverts, templates)", "utf-8"),
    ("county", "清源县卫生健康委员会 (county site served as GB18030, meta gb2312)", "gb18030"),
    ("tw", "健康文萃網 (traditional-script repost site with pinyin)", "utf-8"),
]

NOT_ARCHIVED = [
    ("bureau", "/xwdt/202401/t20240110_1230.html", "meeting news (区卫健委召开2023年工作总结会议)"),
    ("bureau", "/xwdt/202405/t20240520_1350.html", "hospital news"),
    ("bureau", "/xwdt/202301/t20230105_1095.html", "epidemic bulletin"),
    ("bureau", "/tzgg/202404/t20240408_1320.html", "notice asking units to submit their summaries"),
    ("bureau", "/tzgg/202405/t20240515_1345.html", "tender (招标公告)"),
    (
        "bureau",
        "/gzzj/202301/t20230112_1101.html",
        "attachment stub: body only says 详见附件; the text comes from the .docx",
    ),
    ("wenku", "/doc/615877.html", "exam paper"),
    ("wenku", "/doc/640233.html", "hospital nursing plan, not a health-bureau document"),
    ("fanwen", "/gzzj/19022.html", "a nurse's personal year-end summary"),
    ("county", "/art/2024/5/9/art_1230_5702.html", "county news"),
    ("tw", "/wenzhang/3590.html", "news (traditional script)"),
]

FAILURES = [
    ("bureau", "/gzzj/202306/t20230630_1188.html", 404, "/gzzj/index_1.html", "broken link"),
    ("bureau", "/gzzj/202312/t20231201_9999.html", 500, "/gzzj/index_1.html", "server error"),
]

FORBIDDEN = [("bureau", "/admin/secret.html", "robots.txt: Disallow: /admin/; linked from home")]

CHROME = [
    # 文库
    "下载积分",
    "资源ID",
    "快捷下载",
    "登录下载",
    "换一换",
    "验证码",
    "支付宝扫码支付",
    "加入VIP",
    "下载须知",
    "版权提示",
    "免责声明",
    "主动上传",
    "ImageVerifierCode",
    "第1页",
    "全文阅读已结束",
    "添加千禾文库到桌面",
    # 范文
    "所在栏目",
    "关键词:",
    "发布时间",
    "浏览量",
    "推荐阅读",
    "材料代写",
    "qtfw2021",
    "www.qtfanwen.cn",
    "小编",
    # government
    "索引号",
    "发布机构",
    "主题分类",
    "当前位置",
    "您当前的位置",
    "浏览次数",
    "字号",
    "打印本页",
    "关闭窗口",
    "分享到",
    "相关链接",
    "主办单位",
    "网站标识码",
    "ICP备",
    "公网安备",
    "详见附件",
    "现将《2024年全区卫生健康工作要点》印发给你们",
    "各街道社区卫生服务中心，区属各医疗卫生单位，局机关各科室",
    # reposts
    "久久精品",
    "精品一区",
    "wèi",
    "(qū)",
    "(jì)",
    "瀏覽量",
    "相關文章",
]


def toml_str(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_str(x) for x in v) + "]"
    raise TypeError(v)


def manifest_text() -> str:
    rs = reports()
    lines = [
        "# Ground truth for the bundled sample sites: generated by `python -m "
        "crawler.sample_site.build`",
        "# from texts/ -- edit build.py or texts/ and rebuild rather than editing by hand.",
        "#",
        "# [[site]]          one per site; each is served on its own 127.0.0.1 port",
        "# [[report]]        every document that must end up in the archive; `urls` lists every",
        "#                   copy as [site, path]. A missing `year`/`period`/`region`/`agency`",
        "#                   means null. first_line/last_line are the report body's first and",
        "#                   last lines (the title is not part of the body).",
        "# [[not_archived]]  pages that are fetched but must not become documents",
        "# [[failure]]       pages that answer an error status (the server reads the 500s here)",
        "# [[forbidden]]     pages robots.txt forbids: they exist and must never be requested",
        "# chrome            strings that must never appear in any archived text",
        "",
    ]
    for name, desc, enc in SITE_INFO:
        lines += [
            "[[site]]",
            f"name = {toml_str(name)}",
            f"description = {toml_str(desc)}",
            f"encoding = {toml_str(enc)}",
            "",
        ]
    for r in rs:
        lines.append("[[report]]")
        lines.append(f"id = {toml_str(r.id)}")
        lines.append(f"title = {toml_str(r.text.title)}")
        if r.title_simplified:
            lines.append(f"title_simplified = {toml_str(r.title_simplified)}")
        lines.append(f"phrase = {toml_str(r.phrase)}")
        lines.append(f"first_line = {toml_str(r.text.paras[0])}")
        lines.append(f"last_line = {toml_str(r.text.paras[-1])}")
        lines.append(f"chars = {r.text.chars}")
        if r.year is not None:
            lines.append(f"year = {r.year}")
        lines.append(f"doc_type = {toml_str(r.doc_type)}")
        if r.period:
            lines.append(f"period = {toml_str(r.period)}")
        if r.region:
            lines.append(f"region = {toml_str(r.region)}")
        if r.agency:
            lines.append(f"agency = {toml_str(r.agency)}")
        lines.append(f"script = {toml_str(r.script)}")
        lines.append(f"is_template = {toml_str(r.is_template)}")
        lines.append(f"encoding = {toml_str(r.encoding)}")
        lines.append("urls = [" + ", ".join(toml_str(list(u)) for u in r.urls) + "]")
        for k, v in r.extra.items():
            lines.append(f"{k} = {toml_str(v)}")
        if r.notes:
            lines.append(f"notes = {toml_str(r.notes)}")
        lines.append("")
    for site, path, why in NOT_ARCHIVED:
        lines += [
            "[[not_archived]]",
            f"site = {toml_str(site)}",
            f"path = {toml_str(path)}",
            f"why = {toml_str(why)}",
            "",
        ]
    for site, path, status, linked, why in FAILURES:
        lines += [
            "[[failure]]",
            f"site = {toml_str(site)}",
            f"path = {toml_str(path)}",
            f"status = {status}",
            f"linked_from = {toml_str(linked)}",
            f"why = {toml_str(why)}",
            "",
        ]
    for site, path, why in FORBIDDEN:
        lines += [
            "[[forbidden]]",
            f"site = {toml_str(site)}",
            f"path = {toml_str(path)}",
            f"why = {toml_str(why)}",
            "",
        ]
    # top-level keys must precede the tables, so chrome goes first in the file
    counts = [f"【{r.text.chars}字】" for r in rs if any(u[0] == "fanwen" for u in r.urls)]
    chrome = "chrome = [\n" + "".join(f"  {toml_str(c)},\n" for c in CHROME + counts) + "]\n\n"
    head_end = lines.index("")
    return "\n".join(lines[: head_end + 1]) + "\n" + chrome + "\n".join(lines[head_end + 1 :])


# --------------------------------------------------------------------------------------
# driver


def render() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for site, fn in (
        ("bureau", build_bureau),
        ("wenku", build_wenku),
        ("fanwen", build_fanwen),
        ("county", build_county),
        ("tw", build_tw),
    ):
        out: dict[str, str] = {}
        fn(out)
        for rel, text in out.items():
            files[SITES / site / rel] = text
    files[MANIFEST] = manifest_text()
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if committed files are stale")
    args = ap.parse_args(argv)
    files = render()
    existing = {p for p in SITES.rglob("*") if p.is_file()}
    stale = sorted(
        str(p.relative_to(HERE))
        for p, text in files.items()
        if not p.is_file() or p.read_text("utf-8") != text
    )
    extra = sorted(str(p.relative_to(HERE)) for p in existing - set(files))
    if args.check:
        for s in stale:
            print(f"stale: {s}", file=sys.stderr)
        for s in extra:
            print(f"not generated: {s}", file=sys.stderr)
        return 1 if stale or extra else 0
    for p, text in files.items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8", newline="\n")
    for s in extra:
        (HERE / s).unlink()
    print(f"wrote {len(files)} files ({len(stale)} changed, {len(extra)} removed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
