"""A generated 卫生健康局 site of any size, for the fleet's tests and benchmarks.

    cd tests && python -m sites.generated [--articles 1000]

`GeneratedSite(articles=1000)` serves on 127.0.0.1: a home page, a 工作总结 column of list
pages (20 articles each, paginated `index.html`, `index_1.html`, …) and the articles, each a
distinct work report of a district bureau (title, date line, 8–12 paragraphs of figures and
measures drawn from a seeded generator: the same site every time). Every 25th article is a
repost of an earlier report with one paragraph changed (a near-duplicate) and every 40th an
exact repost (with the original's date line), so the archive has clusters and
documents seen at several URLs, whatever order the pages are archived in. robots.txt
allows everything but `/private/`. Every request is logged with its time in `log`.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import threading
import time
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler

from crawler.interrupt import serve_until_interrupted
from sites.serving import QuietServer, answer, start_server, stop_server

PER_PAGE = 20
DISTRICTS = (
    "枫林区", "青石区", "临江区", "白沙区", "东湖区", "西岭区", "南桥区", "北塘区", "松溪县",
    "柳河县", "云台县", "桃源县", "金川区", "银滩区", "梅岭县", "竹山县", "石门县", "永和区",
    "长宁区", "安平县",
)  # fmt: skip
PERIODS = ("上半年", "年度", "下半年", "第一季度")
TOPICS = (
    ("公共卫生", "传染病监测预警体系", "疫苗接种", "重点人群健康管理"),
    ("医疗服务", "分级诊疗", "家庭医生签约服务", "县域医共体建设"),
    ("基层卫生", "乡镇卫生院标准化建设", "村卫生室", "基层首诊"),
    ("妇幼健康", "孕产妇系统管理", "新生儿疾病筛查", "儿童保健"),
    ("中医药", "中医馆建设", "中医适宜技术推广", "治未病"),
    ("卫生监督", "“双随机、一公开”抽查", "医疗机构依法执业", "职业卫生"),
    ("爱国卫生", "国家卫生城镇创建", "病媒生物防制", "健康村镇建设"),
    ("老龄健康", "医养结合", "老年人健康体检", "安宁疗护试点"),
    ("人才队伍", "全科医生培养", "卫生专业技术人员培训", "对口帮扶"),
    ("信息化", "全民健康信息平台", "电子健康档案", "互联网医院"),
)
VERBS = ("扎实推进", "持续深化", "全面加强", "稳步推进", "着力提升", "不断完善")


@dataclass(frozen=True)
class Article:
    """One generated report and where it is served."""

    number: int
    path: str
    title: str
    date: str
    paras: tuple[str, ...]
    copy_of: int | None = None  # the article whose report this reposts


def _report(rng: random.Random, number: int) -> tuple[str, str, tuple[str, ...]]:
    district = DISTRICTS[number % len(DISTRICTS)]
    year = 2019 + (number // len(DISTRICTS)) % 6
    period = PERIODS[(number // (len(DISTRICTS) * 6)) % len(PERIODS)]
    agency = f"江州市{district}卫生健康局"
    title = f"{agency}{year}年{period}工作总结"
    month = 7 if period == "上半年" else 4 if period == "第一季度" else 12
    date = f"{year}-{month:02d}-{1 + number % 27:02d}"
    paras = [
        f"{year}年{period}，{agency}在区委、区政府的坚强领导下，坚持以人民健康为中心，"
        f"围绕全年目标任务，{rng.choice(VERBS)}卫生健康各项工作，现将有关情况总结如下。"
    ]
    for i, (name, a, b, c) in enumerate(rng.sample(TOPICS, rng.randint(6, 9)), start=1):
        n1, n2 = rng.randint(12, 980), rng.randint(1200, 98000)
        pct = rng.randint(850, 999) / 10
        paras.append(
            f"（{i}）{name}工作。{rng.choice(VERBS)}{a}，全{district[-1]}共完成{b}{n2}人次，"
            f"较上年同期增长{rng.randint(2, 35)}.{rng.randint(0, 9)}%；{c}覆盖率达到{pct}%，"
            f"新建或改造服务站点{n1}个，编号第{number:04d}-{i}项任务按期完成。"
        )
    paras.append(
        f"下一步，{agency}将{rng.choice(VERBS)}健康{district[:2]}建设，补齐短板弱项，"
        f"确保{year + 1}年各项卫生健康工作目标任务圆满完成。"
    )
    return title, date, tuple(paras)


def generate(articles: int, seed: int = 20261123) -> list[Article]:
    """The site's articles, the same for the same arguments."""
    rng = random.Random(seed)
    out: list[Article] = []
    for n in range(articles):
        title, date, paras = _report(rng, n)
        copy_of = None
        if n and n % 40 == 0:  # an exact repost of an earlier report
            copy_of = rng.randrange(n)
            title, date, paras = out[copy_of].title, out[copy_of].date, out[copy_of].paras
        elif n and n % 25 == 0:  # a repost with one figure changed: a near-duplicate
            copy_of = rng.randrange(n)
            src = out[copy_of]
            changed = src.paras[1].replace("%", "个百分点", 1)
            title, date, paras = src.title, src.date, (src.paras[0], changed, *src.paras[2:])
        ym = date[:7].replace("-", "")
        path = f"/gzzj/{ym}/t{date.replace('-', '')}_{100000 + n}.html"
        out.append(Article(n, path, title, date, paras, copy_of))
    return out


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        '<div class="nav"><a href="/index.html">首页</a> <a href="/gzzj/index.html">工作总结</a>'
        ' <a href="/private/admin.html">后台</a></div>'
        f'{body}<div class="footer">版权所有：江州市卫生健康委员会 ICP备12345678号</div>'
        "</body></html>"
    ).encode()


def render(articles: list[Article]) -> dict[str, bytes]:
    """Every page of the site by path."""
    pages: dict[str, bytes] = {
        "/robots.txt": b"User-agent: *\nDisallow: /private/\n",
        "/index.html": _page(
            "江州市卫生健康局",
            '<h1>江州市卫生健康局</h1><ul><li><a href="/gzzj/index.html">工作总结</a></li></ul>',
        ),
    }
    count = (len(articles) + PER_PAGE - 1) // PER_PAGE
    for p in range(count):
        items = "".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a><span>{a.date}</span></li>'
            for a in articles[p * PER_PAGE : (p + 1) * PER_PAGE]
        )
        nav = " ".join(
            f'<a href="/gzzj/{"index" if q == 0 else f"index_{q}"}.html">{q + 1}</a>'
            for q in range(max(0, p - 2), min(count, p + 3))
        )
        name = "index" if p == 0 else f"index_{p}"
        pages[f"/gzzj/{name}.html"] = _page(
            "工作总结",
            f'<h2>工作总结</h2><ul class="list">{items}</ul><div class="pages">{nav}</div>',
        )
    for a in articles:
        text = "".join(f"<p>{escape(p)}</p>" for p in a.paras)
        pages[a.path] = _page(
            a.title,
            f'<div class="article"><h1>{escape(a.title)}</h1>'
            f'<div class="info">发布时间：{a.date} 来源：江州市卫生健康局</div>'
            f'<div id="zoom">{text}</div></div>',
        )
    return pages


class GeneratedSite:
    """Serves a generated site on 127.0.0.1; `log` holds (time.monotonic(), path, status)."""

    def __init__(self, articles: int = 1000, *, seed: int = 20261123, host: str = "127.0.0.1"):
        self.host = host  # any 127.x.y.z: several sites on distinct loopback hosts
        self.articles = generate(articles, seed)
        self.pages = render(self.articles)
        self.log: list[tuple[float, str, int]] = []
        self._lock = threading.Lock()
        self._server: QuietServer | None = None
        self.url = ""

    def start(self) -> GeneratedSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                body = site.pages.get(path)
                status = 200 if body is not None else 404
                with site._lock:
                    site.log.append((time.monotonic(), path, status))
                body = body if body is not None else b"not found"
                ctype = "text/plain" if path.endswith(".txt") else "text/html; charset=utf-8"
                answer(self, status, ctype, body)

        self._server, self.url = start_server(self.host, Handler)
        return self

    def stop(self) -> None:
        stop_server(self._server)
        self._server = None

    def profile(
        self,
        name: str = "generated",
        *,
        delay: float = 0.0,
        concurrency: int = 8,
        private_network: bool = True,
        max_pages: int | None = None,
    ) -> str:
        """A site profile (TOML) for this site."""
        return (
            f'name = "{name}"\nstart_urls = ["{self.url}/gzzj/index.html"]\n'
            "follow = ['/gzzj/index(_\\d+)?\\.html$']\n"
            "articles = ['/gzzj/\\d{6}/t\\d{8}_\\d+\\.html$']\n"
            f'schedule = "1d"\n\n[settings]\ndelay = {delay}\nconcurrency = {concurrency}\n'
            f"private_network = {str(private_network).lower()}\n"
            + (f"max_pages = {max_pages}\n" if max_pages else "")
        )

    def fetches(self, since: int = 0) -> dict[str, int]:
        """Requests per path in the log (from entry `since`)."""
        counts: dict[str, int] = {}
        with self._lock:
            for _, path, _ in self.log[since:]:
                counts[path] = counts.get(path, 0) + 1
        return counts

    def __enter__(self) -> GeneratedSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Serve a generated bureau site on 127.0.0.1.")
    ap.add_argument("--articles", type=int, default=1000)
    args = ap.parse_args(argv)
    with GeneratedSite(args.articles) as site:
        print(f"{len(site.pages)} pages at {site.url}/gzzj/index.html; Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            serve_until_interrupted()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
