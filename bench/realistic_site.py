"""A local 卫生健康委 site of real page templates, for crawl benchmarks.

    python bench/realistic_site.py [--articles 1200]

`RealisticSite(articles=1200)` serves on 127.0.0.1 a home page, five columns of paginated
list pages (20 links each, `index.html`, `index_1.html`, …, on a real list-page template)
and the articles. Each article is a real government or news article page from
../shared/corpus (read at run time, never copied into the project) whose body element, title
and headline are replaced by generated text; the rest of the page (navigation, scripts,
footers) stays, and relative links of the template's chrome point to `#`. GBK templates are
served as GBK. The mix is seeded (the same site every run): about 60% work documents of
district bureaus (总结, 计划, 要点, 报告; a third with a table of figures), 30% short news
that a crawl for work documents should skip, and 10% reposts of an earlier work document
under another URL and template, exact or with one paragraph changed. robots.txt allows
everything. Every request is logged in `log`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT, ROOT / "tests"):  # the project, and the sites its tests serve
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
from sites.generated import DISTRICTS, TOPICS, VERBS  # noqa: E402
from sites.serving import QuietServer, answer, start_server, stop_server  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
MAGIC = CORPUS / "magic-html" / "benchmark" / "data" / "article"
# article templates: (path under CORPUS, encoding); magic-html pages have gold text
ARTICLE_TEMPLATES = (
    ("wsjkw-sh/wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html", "utf-8"),
    ("magic-html/benchmark/data/article/htmls/4e55eac42f*.html", "utf-8"),  # kepu.gov.cn
    ("magic-html/benchmark/data/article/htmls/45fcfa7d67*.html", "utf-8"),  # health.people
    ("magic-html/benchmark/data/article/htmls/14b709df54*.html", "utf-8"),  # news.cn
    ("magic-html/benchmark/data/article/htmls/665b685780*.html", "utf-8"),  # sina.com.cn
    ("magic-html/benchmark/data/article/htmls/a28ede747c*.html", "utf-8"),  # gmw.cn
    ("magic-html/benchmark/data/article/htmls/5da9b27b0b*.html", "utf-8"),  # china.com.cn
    ("magic-html/benchmark/data/article/htmls/39dd62c5ba*.html", "utf-8"),  # youth.cn
    ("magic-html/benchmark/data/article/htmls/2dd9425ba6*.html", "utf-8"),  # southcn.com
    ("magic-html/benchmark/data/article/htmls/0987b0ff61*.html", "utf-8"),  # 39.net
    ("magic-html/benchmark/data/article/htmls/97a2a5818c*.html", "utf-8"),  # ifeng.com
    ("magic-html/benchmark/data/article/htmls/9055e5d5b8*.html", "utf-8"),  # 1905.com
    ("cx-163/RawHtml/5.html", "gbk"),
    ("cx-163/RawHtml/12.html", "gbk"),
)
LIST_TEMPLATE = "wsjkw-sh/wsjkw.sh.gov.cn/yqtb/index.html"
PER_PAGE = 20
PAGER_WINDOW = 10  # page links either side of the current list page
SITE_NAME = "江州市卫生健康委员会"
CITIES = ("江州市", "云州市", "海陵市")
COLUMNS = {  # path: name
    "gzzj": "工作总结",
    "ghjh": "计划要点",
    "gzbg": "工作报告",
    "gzdt": "工作动态",
    "xxgk": "信息公开",
}
GENRE_COLUMN = {"总结": "gzzj", "计划": "ghjh", "要点": "ghjh", "报告": "gzbg"}
# marks left in a template where a page's own text goes
TITLE, HEADLINE, HEADED, BODY, DATE, LIST, PAGER = (f"@@mark{n}@@" for n in range(7))


# --- templates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A real page with marks where the generated title, headline, date and body go."""

    name: str
    encoding: str
    text: str

    def render(self, marks: dict[str, str]) -> bytes:
        out = self.text
        for mark, value in marks.items():
            out = out.replace(mark, value)
        return out.encode(self.encoding, "xmlcharrefreplace")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _gold() -> dict[str, str]:
    path = MAGIC / "base.json"
    if not path.exists():
        return {}
    return {k: v["content"] for k, v in json.loads(path.read_text("utf-8")).items()}


def _content(el: lxml.html.HtmlElement) -> str:
    return "" if not isinstance(el.tag, str) else el.text_content()


def _body_element(doc: lxml.html.HtmlElement, gold: str | None) -> lxml.html.HtmlElement:
    """The element holding the article: the deepest containing the gold text's ends, else the
    element with the most text in its direct <p> children."""
    if gold:
        squashed = _squash(gold)
        head, tail = squashed[:20], squashed[-20:]
        found = ending = None
        for el in doc.body.iter():  # document order: later hits are nested deeper
            if isinstance(el.tag, str) and el.tag not in ("script", "style"):
                text = _squash(el.text_content())
                if tail in text and len(text) >= len(squashed) / 2:
                    ending = el
                    if head in text:
                        found = el
        if found is not None and len(_squash(found.text_content())) > 1.5 * len(squashed):
            return ending  # the gold's ends are far apart (a summary above the body)
        if found is not None:
            return found
    best, most = doc.body, -1
    for el in doc.body.iter():
        if not isinstance(el.tag, str):
            continue
        size = sum(len(_content(p).strip()) for p in el if p.tag == "p")
        if size > most:
            best, most = el, size
    return best


def _clear(el: lxml.html.HtmlElement, mark: str) -> None:
    for child in list(el):
        el.remove(child)
    el.text = mark


def _neutralise(doc: lxml.html.HtmlElement) -> None:
    """Relative links of the template's chrome point to `#` (they would be 404s here)."""
    for el in doc.iter("base"):
        el.drop_tree()
    for el in doc.iter("meta"):
        if (el.get("http-equiv") or "").lower() == "refresh":
            el.drop_tree()
    for el in doc.iter("a", "area", "iframe", "frame", "form"):
        attr = {"iframe": "src", "frame": "src", "form": "action"}.get(el.tag, "href")
        value = (el.get(attr) or "").strip()
        parts = urlsplit(value)
        if (
            value[:1] not in ("", "#")
            and not parts.netloc
            and parts.scheme in ("", "http", "https")
        ):
            el.set(attr, "#")


def _parse(path: Path, encoding: str) -> lxml.html.HtmlElement:
    parser = lxml.html.HTMLParser(encoding="gb18030" if encoding == "gbk" else encoding)
    return lxml.html.document_fromstring(path.read_bytes(), parser=parser)


def _serialise(doc: lxml.html.HtmlElement) -> str:
    doctype = doc.getroottree().docinfo.doctype or "<!DOCTYPE html>"
    return doctype + "\n" + lxml.html.tostring(doc, encoding="unicode")


def _article_template(pattern: str, encoding: str, gold: dict[str, str]) -> Template:
    path = next(iter(sorted(CORPUS.glob(pattern))))
    doc = _parse(path, encoding)
    title_el = doc.find(".//title")
    old_title = title_el.text_content().strip() if title_el is not None else ""
    headline = _squash(re.split(r"[_|｜]|--|\s[-–—]\s|-(?=[^-]*$)", old_title)[0])
    body = _body_element(doc, gold.get(path.stem))
    _clear(body, BODY)
    if title_el is not None:
        title_el.text = TITLE
    for el in doc.iter("meta"):
        key = (el.get("name") or el.get("property") or "").lower()
        if el.get("content") and any(k in key for k in ("title", "description", "keywords")):
            el.set("content", TITLE)
        elif el.get("content") and any(k in key for k in ("date", "time")):
            el.set("content", DATE)
    hits: list[lxml.html.HtmlElement] = []
    if len(headline) >= 6:  # the headline wherever it shows: the deepest elements holding it
        for el in doc.body.iter():
            if isinstance(el.tag, str) and el.tag not in ("script", "style", "a", "title"):
                text = _squash(el.text_content())
                if 6 <= len(text) <= len(headline) + 12 and (
                    headline.startswith(text) or text.startswith(headline[:16])
                ):
                    hits.append(el)
        for el in hits:
            if not any(el in other.iterancestors() for other in hits):
                _clear(el, HEADLINE)
        if not hits:  # an unclosed heading holding the page: its own text only
            for el in doc.body.iter():
                if isinstance(el.tag, str) and _squash(el.text or "").startswith(headline[:16]):
                    el.text = HEADLINE
                    hits.append(el)
    if not hits:  # the headline was inside the body element: the body starts with it
        body.text = HEADED + BODY
    _neutralise(doc)
    return Template(path.stem, encoding, _serialise(doc))


def _list_template() -> Template:
    doc = _parse(CORPUS / LIST_TEMPLATE, "utf-8")
    doc.find(".//title").text = TITLE
    for el in doc.iter("meta"):
        if (el.get("name") or "").lower().startswith("column"):
            el.set("content", TITLE)
    _neutralise(doc)
    ul = max(doc.body.iter("ul"), key=lambda u: sum(1 for li in u if li.tag == "li"))
    _clear(ul, LIST)
    heading = doc.body.find('.//div[@class="page-header-1"]')
    if heading is not None:
        _clear(heading, HEADLINE)
    pager = doc.body.find(".//nav")
    if pager is not None:
        _clear(pager, PAGER)
    else:
        ul.tail = PAGER + (ul.tail or "")
    return Template("list", "utf-8", _serialise(doc))


def load_templates() -> tuple[list[Template], Template]:
    """The article templates and the list-page template, read from ../shared/corpus."""
    gold = _gold()
    articles = [_article_template(p, enc, gold) for p, enc in ARTICLE_TEMPLATES]
    return articles, _list_template()


# --- content -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """One generated page and where it is served."""

    number: int
    kind: str  # work, news, exact (an exact repost), near (a repost, one paragraph changed)
    column: str
    path: str
    title: str
    date: str
    paras: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()
    template: int = 0
    copy_of: int | None = None


INDICATORS = (
    ("总诊疗人次（万人次）", 80, 900, 1),
    ("出院人数（万人）", 3, 40, 2),
    ("家庭医生签约率（%）", 35, 80, 1),
    ("孕产妇死亡率（/10万）", 3, 18, 2),
    ("婴儿死亡率（‰）", 1, 6, 2),
    ("人均预期寿命（岁）", 76, 83, 2),
    ("每千人口执业（助理）医师数（人）", 2, 5, 2),
    ("每千人口医疗卫生机构床位数（张）", 4, 9, 2),
    ("65岁以上老年人健康管理率（%）", 55, 80, 1),
    ("电子健康档案建档率（%）", 80, 98, 1),
    ("适龄儿童免疫规划疫苗接种率（%）", 95, 99, 2),
)
GENRE_DOC = {"总结": "工作总结", "计划": "工作计划", "要点": "工作要点", "报告": "工作报告"}
OPENINGS = {
    "总结": "{year}年，{agency}在{gov}的坚强领导下，坚持以人民健康为中心，{verb}各项工作，"
    "全面完成年度目标任务。现将全年工作总结如下。",
    "计划": "{year}年是实施“十四五”规划的关键之年。为做好全年卫生健康工作，{agency}结合"
    "工作实际，制定本工作计划。",
    "要点": "{year}年全{unit}卫生健康工作的总体要求是：坚持新时代卫生与健康工作方针，"
    "{verb}健康{short}建设，推动卫生健康事业高质量发展。",
    "报告": "{gov}：现将{agency}{year}年卫生健康工作情况报告如下，请审议。",
}
HEADINGS = {
    "总结": ("一、主要工作及成效", "二、存在的问题", "三、下一步工作打算"),
    "计划": ("一、总体目标", "二、重点任务", "三、保障措施"),
    "要点": ("一、深化医药卫生体制改革", "二、提升公共卫生服务能力", "三、加强组织保障"),
    "报告": ("一、工作进展", "二、困难和问题", "三、下一步工作安排"),
}
PROBLEMS = (
    "基层医疗卫生机构人才短缺问题依然突出，全{unit}乡镇卫生院全科医生缺口约{n1}人，"
    "部分村卫生室服务能力不足。",
    "优质医疗资源总量不足、分布不均，{year}年外转就诊患者达{n2}人次，县域就诊率为{pct}%，"
    "距离目标仍有差距。",
    "信息化建设相对滞后，{n1}家基层机构尚未实现电子健康档案互联互通，数据共享不充分。",
    "公共卫生应急能力仍需加强，传染病监测预警和应急处置队伍建设与实际需要存在差距。",
)
NEXT_STEPS = (
    "{verb}{a}，力争{next}年{c}覆盖率提高到{pct}%以上，新增服务站点{n1}个。",
    "围绕{name}短板，{verb}{b}，全年计划完成{n2}人次，确保各项指标位居全市前列。",
    "加大{name}投入，安排专项资金{money}万元，重点支持{a}和{c}。",
)
MEASURES = (
    "（{i}）{name}工作。{verb}{a}，全{unit}共完成{b}{n2}人次，较上年同期增长{g}%；"
    "{c}覆盖率达到{pct}%，新建或改造服务站点{n1}个。",
    "（{i}）{verb}{name}。印发《{short}{name}提升行动方案》，投入资金{money}万元，"
    "{a}覆盖全部{n1}个村（社区），{b}累计服务{n2}人次，{c}工作获省级通报表扬。",
    "（{i}）{name}方面。以{a}为抓手，{verb}{b}，{c}率由上年的{pct0}%提高到{pct}%，"
    "群众满意度达{sat}%。",
    "（{i}）抓好{name}。组织开展{a}专项行动{n1}次，检查单位{n3}家，发现并整改问题{n4}个；"
    "{b}完成{n2}人次，{c}工作稳步推进。",
)
NEWS = (
    (
        "{agency}开展“{day}”主题义诊活动",
        (
            "{month}月{dom}日，{agency}组织{hospital}等{n1}家医疗机构，在{place}开展“{day}”"
            "主题义诊活动。",
            "活动现场，医务人员为群众提供血压血糖测量、健康咨询和用药指导，发放宣传资料{n2}余份，"
            "服务群众{n3}余人次。",
            "前来咨询的居民说：“在家门口就能看专家，真是太方便了。”",
        ),
    ),
    (
        "{short}召开{meeting}",
        (
            "{month}月{dom}日，{short}召开{meeting}，{agency}主要负责同志出席会议并讲话。",
            "会议传达学习了上级有关文件精神，通报了近期{topic}工作情况，并对下一阶段工作作出部署。",
            "会议要求，各单位要提高思想认识，压实工作责任，确保各项任务落到实处。",
        ),
    ),
    (
        "健康科普｜{question}",
        (
            "近期，{hospital}门诊接诊的{who}明显增多。专家提醒，{advice}",
            "专家建议，日常生活中要保持规律作息，合理膳食，适量运动，戒烟限酒。"
            "如出现不适症状，应及时到正规医疗机构就诊。",
        ),
    ),
    (
        "{agency}举办{training}",
        (
            "为进一步提升基层医务人员业务能力，{month}月{dom}日，{agency}举办{training}，"
            "全{unit}{n1}名医务人员参加培训。",
            "培训邀请{hospital}专家授课，内容涵盖{topic}等方面，并进行了现场实操演练和考核。",
        ),
    ),
)
NEWS_MORE = (
    "据了解，此次活动是{agency}“我为群众办实事”实践活动的内容之一。下一步，{agency}将继续"
    "组织医疗卫生专业技术人员深入基层，把优质医疗服务送到群众身边。",
    "近年来，{short}持续加强{topic}，累计服务群众{n2}人次，居民健康素养水平稳步提升。",
    "活动期间，医务人员还深入{place}周边社区，为行动不便的老年人提供上门服务，并现场讲解"
    "慢性病防治、合理用药等健康知识，受到群众欢迎。",
    "{hospital}相关负责人表示，将以此为契机，进一步改进服务流程，优化就医环境，让群众看病"
    "更方便、更舒心。",
    "（记者 {reporter} 通讯员 {clerk}）",
)
REPORTERS = ("王晓明", "李静", "张宏伟", "陈思远", "刘芳")
DAYS = (
    "世界高血压日",
    "全国爱眼日",
    "世界糖尿病日",
    "全国儿童预防接种日",
    "世界卫生日",
    "全国爱牙日",
)
MEETINGS = (
    "医疗质量安全专题会议",
    "安全生产推进会",
    "创建国家卫生城市调度会",
    "医疗机构消防安全工作部署会",
)
QUESTIONS = (
    ("春季如何预防流感？", "流感患者", "流感病毒传播快，老人和儿童应尽早接种流感疫苗。"),
    ("高血压患者日常饮食注意什么", "高血压患者", "高血压患者应减少盐的摄入，每日食盐不超过5克。"),
    ("夏季谨防食物中毒", "腹泻患者", "隔夜饭菜要彻底加热，生熟食品要分开存放。"),
    ("秋冬季节如何保护心脑血管", "心脑血管疾病患者", "天气转凉时要注意保暖，坚持按时服药。"),
)
TRAININGS = ("基层医务人员急救技能培训班", "家庭医生签约服务培训班", "传染病防控业务培训会")
HOSPITALS = ("区人民医院", "区中医院", "区妇幼保健院", "县人民医院")
PLACES = ("人民广场", "中心社区", "文化广场", "镇政府广场")


def _fill(template: str, rng: random.Random, **known: object) -> str:
    values: dict[str, object] = {
        "n1": rng.randint(8, 120),
        "n2": rng.randint(1200, 98000),
        "n3": rng.randint(60, 900),
        "n4": rng.randint(10, 300),
        "pct": rng.randint(850, 999) / 10,
        "pct0": rng.randint(600, 840) / 10,
        "sat": rng.randint(900, 990) / 10,
        "g": f"{rng.randint(2, 35)}.{rng.randint(0, 9)}",
        "money": rng.randint(50, 3000),
        "verb": rng.choice(VERBS),
    }
    values.update(known)
    return template.format(**values)


def _work(rng: random.Random, n: int, genre: str) -> tuple[str, str, tuple[str, ...], tuple]:
    city = CITIES[n % len(CITIES)]
    district = DISTRICTS[(n // len(CITIES)) % len(DISTRICTS)]
    year = 2019 + (n // (len(CITIES) * len(DISTRICTS))) % 6
    agency = f"{city}{district}卫生健康局"
    unit = district[-1]
    short = city + district
    gov = f"{district[-1]}委、{district[-1]}政府" if genre != "报告" else f"{district}人大常委会"
    if genre == "总结":
        title = f"{agency}{year}年工作总结"
        month = 12 if n % 2 else 1
    elif genre == "计划":
        title = f"{agency}{year}年工作计划"
        month = rng.choice((1, 2, 3))
    elif genre == "要点":
        title = f"{year}年{short}卫生健康工作要点"
        month = rng.choice((2, 3))
    else:
        title = f"{agency}关于{year}年卫生健康工作情况的报告"
        month = rng.choice((6, 11, 12))
    pub_year = year + 1 if genre == "总结" and month == 1 else year
    date = f"{pub_year}-{month:02d}-{1 + rng.randrange(27):02d}"
    known = {"agency": agency, "unit": unit, "short": short, "year": year, "next": year + 1}
    known["gov"] = gov
    heads = HEADINGS[genre]
    paras = [_fill(OPENINGS[genre], rng, **known), heads[0]]
    topics = rng.sample(TOPICS, rng.randint(4, 7))
    for i, (name, a, b, c) in enumerate(topics, start=1):
        paras.append(_fill(rng.choice(MEASURES), rng, i=i, name=name, a=a, b=b, c=c, **known))
    paras.append(heads[1])
    for problem in rng.sample(PROBLEMS, rng.randint(1, 2)):
        paras.append(_fill(problem, rng, **known))
    paras.append(heads[2])
    for step in rng.sample(NEXT_STEPS, rng.randint(1, 3)):
        name, a, b, c = rng.choice(TOPICS)
        paras.append(_fill(step, rng, name=name, a=a, b=b, c=c, **known))
    paras.append(f"{agency}")
    paras.append(f"{pub_year}年{month}月{int(date[-2:])}日")
    table: tuple = ()
    if rng.random() < 1 / 3:
        rows = [("指标", f"{year - 1}年", f"{year}年", "增长（%）")]
        for label, lo, hi, digits in rng.sample(INDICATORS, rng.randint(5, 8)):
            before = rng.uniform(lo, hi)
            after = before * rng.uniform(0.95, 1.12)
            growth = (after / before - 1) * 100
            rows.append((label, f"{before:.{digits}f}", f"{after:.{digits}f}", f"{growth:.1f}"))
        table = tuple(rows)
    return title, date, tuple(paras), table


def _news(rng: random.Random, n: int) -> tuple[str, str, tuple[str, ...]]:
    city = CITIES[n % len(CITIES)]
    district = rng.choice(DISTRICTS)
    year = 2019 + rng.randrange(6)
    month, dom = rng.randint(1, 12), rng.randint(1, 28)
    question, who, advice = rng.choice(QUESTIONS)
    known = {
        "agency": f"{city}{district}卫生健康局",
        "short": city + district,
        "unit": district[-1],
        "day": rng.choice(DAYS),
        "meeting": rng.choice(MEETINGS),
        "question": question,
        "who": who,
        "advice": advice,
        "training": rng.choice(TRAININGS),
        "hospital": rng.choice(HOSPITALS),
        "place": rng.choice(PLACES),
        "topic": rng.choice(TOPICS)[1],
        "month": month,
        "dom": dom,
        "reporter": rng.choice(REPORTERS),
        "clerk": rng.choice(REPORTERS[::-1]),
    }
    title, first = rng.choice(NEWS)
    paras = [_fill(p, rng, **known) for p in first]
    more, size = rng.sample(NEWS_MORE, len(NEWS_MORE)), rng.randint(200, 450)
    while more and (len(paras) < len(first) + 1 or sum(map(len, paras)) < size):
        paras.append(_fill(more.pop(), rng, **known))
    return _fill(title, rng, **known), f"{year}-{month:02d}-{dom:02d}", tuple(paras)


def _path(column: str, date: str, n: int) -> str:
    return f"/{column}/{date[:7].replace('-', '')}/t{date.replace('-', '')}_{300000 + n}.html"


def generate(articles: int, templates: int, seed: int = 20261207) -> list[Article]:
    """The site's articles, the same for the same arguments."""
    rng = random.Random(seed)
    out: list[Article] = []
    works: list[int] = []
    genres = tuple(GENRE_COLUMN)
    for n in range(articles):
        roll = rng.random()
        template = rng.randrange(templates)
        if n < 10 or roll < 0.6:
            genre = genres[n % len(genres)]
            title, date, paras, table = _work(rng, n, genre)
            column = GENRE_COLUMN[genre]
            out.append(
                Article(
                    n, "work", column, _path(column, date, n), title, date, paras, table, template
                )
            )
            works.append(n)
        elif roll < 0.9:
            title, date, paras = _news(rng, n)
            out.append(
                Article(
                    n, "news", "gzdt", _path("gzdt", date, n), title, date, paras, template=template
                )
            )
        else:
            src = out[rng.choice(works)]
            template = (src.template + 1 + rng.randrange(templates - 1)) % templates
            paras = src.paras
            kind = "exact" if roll < 0.95 else "near"
            if kind == "near":  # one paragraph rewritten: a figure and a phrase changed
                i = 2 + rng.randrange(3)
                changed = re.sub(r"\d+", lambda m: str(int(m.group(0)) + 7), paras[i], count=1)
                paras = (*paras[:i], changed.replace("，", "，进一步", 1), *paras[i + 1 :])
            out.append(
                Article(
                    n,
                    kind,
                    "xxgk",
                    _path("xxgk", src.date, n),
                    src.title,
                    src.date,
                    paras,
                    src.table,
                    template,
                    src.number,
                )
            )
    return out


def _body(a: Article) -> str:
    signed = 0 if a.kind == "news" else 2  # a work document ends with its issuer and date
    parts = [f"<p>{escape(p)}</p>" for p in a.paras[: len(a.paras) - signed]]
    if a.table:
        head, *rows = a.table
        cells = "".join(f"<th>{escape(c)}</th>" for c in head)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        parts.append(
            "<p>附表：主要指标完成情况</p>"
            f'<table border="1" cellspacing="0"><thead><tr>{cells}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
    parts.extend(
        f'<p style="text-align:right">{escape(p)}</p>' for p in a.paras[len(a.paras) - signed :]
    )
    return "\n".join(parts)


def _list_page(
    list_tpl: Template, heading: str, items: list[tuple[str, str, str]], pager: str
) -> bytes:
    lis = "".join(
        f'<li><a href="{href}" title="{escape(text)}" target="_blank">{escape(text)}</a>'
        f'<span class="time">{date}</span></li>\n'
        for href, text, date in items
    )
    return list_tpl.render(
        {
            TITLE: escape(f"{heading}_{SITE_NAME}"),
            HEADLINE: f"<h2>{escape(heading)}</h2>",
            LIST: lis,
            PAGER: pager,
        }
    )


def render(articles: list[Article], templates: list[Template], list_tpl: Template) -> dict:
    """Every page of the site by path: (bytes, content type)."""
    pages: dict[str, tuple[bytes, str]] = {
        "/robots.txt": (b"User-agent: *\nAllow: /\n", "text/plain"),
    }
    html = "text/html; charset=utf-8"
    for a in articles:
        tpl = templates[a.template]
        body = tpl.render(
            {
                TITLE: escape(f"{a.title}_{SITE_NAME}"),
                HEADLINE: escape(a.title),
                HEADED: f"<h1>{escape(a.title)}</h1>",
                DATE: a.date,
                BODY: _body(a),
            }
        )
        # GBK templates: the charset is the page's meta, as their servers sent it
        pages[a.path] = (body, html if tpl.encoding == "utf-8" else "text/html")
    newest = sorted(articles, key=lambda a: (a.date, a.number), reverse=True)
    for column, name in COLUMNS.items():
        mine = [a for a in newest if a.column == column]
        count = max(1, (len(mine) + PER_PAGE - 1) // PER_PAGE)
        for p in range(count):

            def href(q: int, column: str = column) -> str:
                return f"/{column}/{'index' if q == 0 else f'index_{q}'}.html"

            links = [f'<a href="{href(0)}">首页</a>']
            if p:
                links.append(f'<a href="{href(p - 1)}">上一页</a>')
            window = range(max(0, p - PAGER_WINDOW), min(count, p + PAGER_WINDOW + 1))
            links.extend(
                f"<span>{q + 1}</span>" if q == p else f'<a href="{href(q)}">{q + 1}</a>'
                for q in window
            )
            if p < count - 1:
                links.append(f'<a href="{href(p + 1)}">下一页</a>')
            links.append(f'<a href="{href(count - 1)}">尾页</a>')
            items = [(a.path, a.title, a.date) for a in mine[p * PER_PAGE : (p + 1) * PER_PAGE]]
            pager = f'<div class="pagination">{" ".join(links)}</div>'
            pages[href(p)] = (_list_page(list_tpl, name, items, pager), html)
    home = [(f"/{c}/index.html", name, "") for c, name in COLUMNS.items()]
    home += [(a.path, a.title, a.date) for a in newest[:10]]
    pages["/index.html"] = (_list_page(list_tpl, SITE_NAME, home, ""), html)
    pages["/"] = pages["/index.html"]
    return pages


# --- the server ----------------------------------------------------------------------------


class RealisticSite:
    """Serves the site on 127.0.0.1; `log` holds (time.monotonic(), path, status)."""

    def __init__(self, articles: int = 1200, *, seed: int = 20261207, host: str = "127.0.0.1"):
        self.host = host
        templates, list_tpl = load_templates()
        self.templates = templates
        self.articles = generate(articles, len(templates), seed)
        self.pages = render(self.articles, templates, list_tpl)
        self.log: list[tuple[float, str, int]] = []
        self._lock = threading.Lock()
        self._server: QuietServer | None = None
        self.url = ""

    @property
    def home(self) -> str:
        return f"{self.url}/index.html"

    def kinds(self) -> Counter[str]:
        """Articles of each kind: work, news, exact, near."""
        return Counter(a.kind for a in self.articles)

    def start(self) -> RealisticSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0].split("#", 1)[0]
                page = site.pages.get(path)
                status = 200 if page is not None else 404
                with site._lock:
                    site.log.append((time.monotonic(), path, status))
                body, ctype = page if page is not None else (b"not found", "text/plain")
                answer(self, status, ctype, body)

        self._server, self.url = start_server(self.host, Handler)
        return self

    def stop(self) -> None:
        stop_server(self._server)
        self._server = None

    def hits(self, since: int = 0) -> int:
        """Requests answered (any status) from log entry `since`."""
        with self._lock:
            return len(self.log) - since

    def statuses(self, since: int = 0) -> Counter[int]:
        with self._lock:
            return Counter(status for _, _, status in self.log[since:])

    def __enter__(self) -> RealisticSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve a site of real page templates on 127.0.0.1.")
    ap.add_argument("--articles", type=int, default=1200)
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        print("skipped: ../shared/corpus not found")
        return 0
    with RealisticSite(args.articles) as site:
        html = [body for path, (body, _) in site.pages.items() if path.endswith(".html")]
        total = sum(len(b) for b in html)
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(site.kinds().items()))
        print(
            f"{site.home}: {len(html)} pages ({kinds}), {total / 2**20:.1f} MiB, "
            f"{total / len(html) / 1024:.0f} KiB mean; Ctrl-C to stop",
            flush=True,
        )
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(0.2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
