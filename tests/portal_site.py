"""A replica of how bureau portals publish their lists, served on 127.0.0.1 for the tests.

Texts are generated here (tests/sites/generated.py's report generator); the
structures are those of real portals:

- a TRS WCM column (`/zwgk/jhzj/`) whose pagination only a script writes
  (`createPageHTML(3, 0, "index", "html")`), articles at `./202401/t20240115_100231.html`;
- a Hanweb JCMS column (`/col/col4021/index.html`) with its first records in a
  `<script type="text/xml">` datastore and the rest behind `POST dataproxy.jsp`;
- an XHR column (`/xxgk/gzbg/`) whose `<ul>` a script fills from a JSON API;
- a notice whose report is a .docx behind `onclick="downloadFile('…')"`, served by
  Hanweb's `downfile.jsp?…&filename=<hex>.docx` (no date in its name);
- news and notices, linked plainly, that are not work documents;
- a report linked from the home page with tracking parameters as well as plainly;
- a list page whose `<base href>` names the site `localhost` instead of `127.0.0.1`;
- robots.txt naming a sitemap (`sitemap=True`), or neither.
"""

from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import docx
from sites.generated import generate

HANWEB_PER_PAGE, HANWEB_GROUP = 2, 1  # records per proxy answer: 2


@dataclass(frozen=True)
class Report:
    path: str
    title: str
    date: str
    paras: tuple[str, ...]
    column: str


def _page(title: str, body: str, scripts: str = "") -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        '<div class="nav"><a href="/index.html">首页</a></div>'
        f'{body}<div class="footer">主办单位：江州市卫生健康委员会 ICP备00000000号</div>'
        f"{scripts}</body></html>"
    ).encode()


def _article(report: Report, extra: str = "") -> bytes:
    paras = "".join(f"<p>{escape(p)}</p>" for p in report.paras)
    return _page(
        report.title,
        f'<h1>{escape(report.title)}</h1><div class="info">发布日期：{report.date}</div>'
        f'<div id="zoom">{paras}</div>{extra}',
    )


def _docx(report: Report) -> bytes:
    document = docx.Document()
    document.add_heading(report.title, 1)
    for para in report.paras:
        document.add_paragraph(para)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class PortalSite:
    """The replica portal; `reports` are the work documents a complete crawl archives."""

    def __init__(self, *, sitemap: bool = True, scripted: bool = False) -> None:
        self.sitemap = sitemap
        articles = [a for a in generate(40) if a.copy_of is None]
        columns = ["trs"] * 6 + ["hanweb"] * 5 + ["xhr"] * 4 + ["docx", "home"]
        columns += ["scripted"] * 2 if scripted else []
        self.reports: list[Report] = []
        for n, (article, column) in enumerate(zip(articles, columns, strict=False)):
            ym, day = article.date[:7].replace("-", ""), article.date.replace("-", "")
            path = {
                "trs": f"/zwgk/jhzj/{ym}/t{day}_{100200 + n}.html",
                "hanweb": f"/art/{article.date.replace('-', '/')}/art_4021_{99800 + n}.html",
                "xhr": f"/xxgk/gzbg/{ym}/{5000 + n}.shtml",
                "docx": f"/module/download/downfile.jsp?classid=0&filename={n:x}e5f0c1.docx",
                "home": f"/tzgg/{ym}/t{day}_{100200 + n}.html",
                "scripted": f"/ztzl/{ym}/{7000 + n}.html",
            }[column]
            path = path.replace("/0", "/", 1) if column == "hanweb" else path
            self.reports.append(Report(path, article.title, article.date, article.paras, column))
        self.news = [f"/xwdt/2024/{n}.html" for n in range(6)]
        self.pages = self._render()
        self.log: list[tuple[str, str]] = []
        self.lastmod: dict[str, str] = {}  # a report's sitemap lastmod, when not its date
        self._server: ThreadingHTTPServer | None = None

    def of(self, column: str) -> list[Report]:
        return [r for r in self.reports if r.column == column]

    def _render(self) -> dict[str, tuple[bytes, str]]:
        html = "text/html; charset=utf-8"
        pages: dict[str, tuple[bytes, str]] = {}
        for report in self.reports:
            if report.column == "docx":
                holder = f"/zwgk/jhzj/fj/{report.date.replace('-', '')}.html"
                pages[report.path] = (
                    _docx(report),
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
                pages[holder] = (_page(
                    "关于印发工作总结的通知",
                    '<h1>关于印发工作总结的通知</h1>'
                    f'<div class="info">发布日期：{report.date}</div>'
                    "<p>各科室：现将有关材料印发给你们，请认真贯彻落实。</p>"
                    '<a href="javascript:void(0)" onclick="downloadFile(\'' + report.path + "')\">"
                    f"{escape(report.title)}.docx</a>",
                ), html)  # fmt: skip
                self.attachment_page = holder
            else:
                pages[report.path] = (_article(report), html)
        trs = self.of("trs")
        for n in range(3):
            items = "".join(
                f'<li><a href=".{r.path.removeprefix("/zwgk/jhzj")}">{escape(r.title)}</a>'
                f"<span>{r.date}</span></li>"
                for r in trs[2 * n : 2 * n + 2]
            )
            if n == 0:
                items += f'<li><a href="./fj/{self.attachment_page.rsplit("/", 1)[1]}">关于印发工作总结的通知</a></li>'  # noqa: E501
            name = "index.html" if n == 0 else f"index_{n}.html"
            script = (
                '<div class="page"><script language="JavaScript">'
                f"var countPage = 3;//共多少页\nvar currentPage = {n};//当前第几页\n"
                'createPageHTML(countPage, currentPage, "index", "html");</script></div>'
            )
            if n == 1:  # this page names the site by another of its names
                script = '<base href="{ALIAS}/zwgk/jhzj/">' + script
            pages[f"/zwgk/jhzj/{name}"] = (
                _page("计划总结", f'<ul class="list">{items}</ul>{script}'),
                html,
            )
        hanweb = self.of("hanweb")
        self.hanweb_records = [
            f'<li><a href="{r.path}" target="_blank" title="{escape(r.title)}">{escape(r.title)}'
            f"</a><span>{r.date}</span></li>"
            for r in hanweb
        ]
        first = "".join(f"<record><![CDATA[{rec}]]></record>" for rec in self.hanweb_records[:2])
        column = (
            '<div id="4021"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="'
            "/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=4021&"
            'unitid=16630&webname=jzwjw&permissiontype=0"></a>]]></nextgroup><recordset>'
            f"{first}</recordset></datastore></script></div>"
        )
        script = (
            '<script src="/module/jslib/jquery/jpage/jquery.page.min.js"></script><script>'
            '$(document).ready(function(){$("#4021").jpage({dataStore:"#4021",'
            f'proxyUrl:"/module/web/jpage/dataproxy.jsp",perPage:{HANWEB_PER_PAGE},'
            f"groupSize:{HANWEB_GROUP},totalRecord:{len(hanweb)},ajaxParam:{{col:1,appid:1,"
            'webid:3,path:"/",columnid:4021,sourceContentType:1,unitid:"16630",'
            'webname:"江州市卫生健康委员会",permissiontype:0}});});</script>'
        )
        pages["/col/col4021/index.html"] = (_page("工作计划", column, script), html)
        pages["/xxgk/gzbg/index.html"] = (_page(
            "工作报告",
            '<ul id="list">数据加载中……</ul>',
            "<script>fetch('/api/cms/content/list?channelId=1024&page=1&size=2')"
            ".then(r => r.json()).then(r => show(r.data.list));</script>",
        ), html)  # fmt: skip
        if self.of("scripted"):  # a list whose API no recogniser can see: only a browser
            pages["/ztzl/index.html"] = (_page(
                "专题专栏", '<ul class="news-list"></ul>',
                "<script>var parts = ['/zt', 'zl', '/da', 'ta', '.js', 'on'];"
                "fetch(parts.join('')).then(function (r) { return r.json(); })"
                ".then(function (r) { var ul = document.querySelector('.news-list');"
                " r.items.forEach(function (it) { var li = document.createElement('li');"
                " li.innerHTML = '<a href=\"' + it.go + '\">' + it.t + '</a>';"
                " ul.appendChild(li); }); });</script>",
            ), html)  # fmt: skip
            items = [{"t": r.title, "go": r.path} for r in self.of("scripted")]
            pages["/ztzl/data.json"] = (json.dumps({"items": items}, ensure_ascii=False)
                                        .encode(), "application/json")  # fmt: skip
        news = "".join(f'<li><a href="{p}">第{n}期新闻：院感培训开班</a></li>'
                       for n, p in enumerate(self.news))  # fmt: skip
        for n, path in enumerate(self.news):
            words = "培训现场气氛热烈，学员认真听讲。" * 8
            words = "培训现场气氛热烈，学员认真听讲。" * 8
            body = f"<h1>区卫健委开展第{n}期院感防控培训</h1><p>{words}</p>"
            pages[path] = (_page(f"第{n}期培训", body), html)
        home_report = self.of("home")[0]
        scripted_link = (
            '<li><a href="/ztzl/index.html">专题</a></li>' if self.of("scripted") else ""
        )
        pages["/index.html"] = (_page("江州市卫生健康委员会", (
            '<ul><li><a href="/zwgk/jhzj/index.html">计划总结</a></li>'
            '<li><a href="/col/col4021/index.html">工作计划</a></li>'
            '<li><a href="/xxgk/gzbg/index.html">工作报告</a></li>'
            f"{scripted_link}</ul>"
            f'<ul class="news">{news}</ul>'
            f'<a href="{home_report.path}?utm_source=wechat&spm=a1.b2">'
            f"{escape(home_report.title)}</a>"
            f"{escape(home_report.title)}</a>"
            f'<a href="{home_report.path}">{escape(home_report.title)}</a>'
        )), html)  # fmt: skip
        robots = "User-agent: *\nDisallow: /admin/\n"
        if self.sitemap:
            robots += "Sitemap: /sitemap_index.xml\n"
        pages["/robots.txt"] = (robots.encode(), "text/plain")
        return pages

    def sitemap_xml(self, base: str, path: str) -> bytes | None:
        if not self.sitemap:
            return None
        ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        if path == "/sitemap_index.xml":
            return (f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>{base}/sitemap_1.xml'
                    "</loc></sitemap></sitemapindex>").encode()  # fmt: skip
        if path == "/sitemap_1.xml":
            urls = "".join(
                f"<url><loc>{base}{r.path}</loc><lastmod>{self.lastmod.get(r.path, r.date)}"
                "</lastmod></url>"
                for r in self.reports if r.column != "docx"
            )  # fmt: skip
            return f'<?xml version="1.0"?><urlset {ns}>{urls}</urlset>'.encode()
        return None

    def api(self, query: dict[str, list[str]]) -> bytes:
        page, size = int(query.get("page", ["1"])[0]), int(query.get("size", ["2"])[0])
        xhr = self.of("xhr")
        items = [
            {"id": n, "title": r.title, "url": r.path, "publishDate": r.date}
            for n, r in enumerate(xhr[(page - 1) * size : page * size])
        ]
        total = (len(xhr) + size - 1) // size
        return json.dumps({"code": 200, "data": {"list": items, "totalPage": total}},
                          ensure_ascii=False).encode()  # fmt: skip

    def proxy(self, query: dict[str, list[str]], form: dict[str, list[str]]) -> bytes:
        if form.get("columnid") != ["4021"] or form.get("unitid") != ["16630"]:
            return b'<?xml version="1.0"?><datastore><recordset></recordset></datastore>'
        start, end = int(query["startrecord"][0]), int(query["endrecord"][0])
        chosen = self.hanweb_records[start - 1 : end]
        records = "".join(f"<record><![CDATA[{r}]]></record>" for r in chosen)
        return (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>'
                f"{len(self.hanweb_records)}</totalrecord><recordset>{records}</recordset>"
                "</datastore>").encode()  # fmt: skip

    # serving ----------------------------------------------------------------------------
    def start(self) -> PortalSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, body: bytes | None, ctype: str) -> None:
                if body is None:
                    self.send_response(404)
                    body, ctype = b"not found", "text/plain"
                else:
                    self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                site.log.append(("GET", self.path))
                if parts.path == "/api/cms/content/list":
                    self._answer(site.api(parse_qs(parts.query)), "application/json")
                elif parts.path.startswith("/sitemap"):
                    self._answer(site.sitemap_xml(site.url, parts.path), "application/xml")
                else:
                    body, ctype = site.pages.get(self.path) or site.pages.get(
                        parts.path, (None, "")
                    )
                    alias = site.url.replace("127.0.0.1", "localhost").encode()
                    self._answer(body and body.replace(b"{ALIAS}", alias), ctype)

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                site.log.append(("POST", self.path))
                if parts.path == "/module/web/jpage/dataproxy.jsp":
                    self._answer(site.proxy(parse_qs(parts.query), form), "text/xml;charset=UTF-8")
                else:
                    self._answer(None, "")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> PortalSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
