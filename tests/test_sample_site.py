"""The bundled sample sites: served over HTTP on 127.0.0.1 and consistent with the manifest."""

from __future__ import annotations

import email.utils
import io
import re
import urllib.error
import urllib.request
import zipfile
from collections import deque
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import docx
import pytest

from crawler.sample_site import SampleSites, build, load_manifest
from crawler.sample_site.server import DOCX_TYPE, build_docx

MANIFEST = load_manifest()
REPORTS = MANIFEST["report"]
FAILURES = {(f["site"], f["path"]): f["status"] for f in MANIFEST["failure"]}
FORBIDDEN = {(f["site"], f["path"]) for f in MANIFEST["forbidden"]}
COPIES = [(r, site, path) for r in REPORTS for site, path in r["urls"]]


def _id(v: object) -> str:
    if isinstance(v, tuple) and len(v) == 3:
        r, site, path = v
        return f"{r['id']}@{site}{path}"
    if isinstance(v, tuple) and isinstance(v[0], tuple):
        (site, path), status = v
        return f"{status}@{site}{path}"
    if isinstance(v, tuple):
        return f"{v[0]}{v[1]}"
    return str(v)


@pytest.fixture(scope="module")
def sites():
    with SampleSites() as s:
        yield s


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.headers, err.read()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.links.append(value)


def links_of(html: str) -> list[str]:
    p = Links()
    p.feed(html)
    return p.links


def decode(site: str, body: bytes) -> str:
    enc = next(s["encoding"] for s in MANIFEST["site"] if s["name"] == site)
    return body.decode(enc)


# ---------------------------------------------------------------------------------------------
# the generated files and the manifest


def test_committed_pages_match_the_generator():
    assert build.main(["--check"]) == 0, "run: python -m crawler.sample_site.build"


def test_manifest_shape():
    assert {s["name"] for s in MANIFEST["site"]} == {"bureau", "wenku", "fanwen", "county", "tw"}
    assert len(REPORTS) >= 10
    assert len({r["id"] for r in REPORTS}) == len(REPORTS)
    vocab = {"工作总结", "工作报告", "工作计划", "工作要点", "讲话", "其他"}
    for r in REPORTS:
        assert r["doc_type"] in vocab
        assert r.get("period") in (None, "年度", "上半年", "下半年", "季度", "月度")
        assert 600 <= r["chars"] <= 2500, r["id"]
        assert r["is_template"] == ("year" not in r)
    assert sorted(FAILURES.values()) == [404, 500]
    assert ("bureau", "/admin/secret.html") in FORBIDDEN
    # the same report on bureau, wenku and fanwen
    assert any({u[0] for u in r["urls"]} >= {"bureau", "wenku", "fanwen"} for r in REPORTS)
    # and at two URLs on the bureau site
    assert any([u[0] for u in r["urls"]].count("bureau") == 2 for r in REPORTS)


def test_chrome_strings_never_occur_in_report_texts():
    texts = {r.id: "\n".join([r.text.title, *r.text.paras]) for r in build.reports()}
    assert set(texts) == {r["id"] for r in REPORTS}
    for chrome in MANIFEST["chrome"]:
        for rid, text in texts.items():
            assert chrome not in text, (chrome, rid)


def test_manifest_lines_come_from_the_texts():
    by_id = {r.id: r for r in build.reports()}
    for r in REPORTS:
        text = by_id[r["id"]].text
        assert r["title"] == text.title
        assert r["first_line"] == text.paras[0]
        assert r["last_line"] == text.paras[-1]
        assert r["phrase"] in "\n".join(text.paras)


# ---------------------------------------------------------------------------------------------
# serving


def test_binds_loopback_only_on_ephemeral_ports(sites):
    assert set(sites.urls) == {s["name"] for s in MANIFEST["site"]}
    ports = set()
    for server in sites._servers:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        ports.add(port)
    assert len(ports) == len(sites.urls)
    for url in sites.urls.values():
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1" and parts.port in ports and parts.path == "/"


@pytest.mark.parametrize("copy", COPIES, ids=_id)
def test_every_report_copy_is_served_and_holds_its_phrase(sites, copy):
    report, site, path = copy
    status, headers, body = fetch(sites.url(site, path))
    assert status == 200
    if path.endswith(".docx"):
        assert headers["Content-Type"] == DOCX_TYPE
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    else:
        text = body.decode(report["encoding"])
        if report["script"] == "traditional":
            text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)
    assert report["phrase"] in text
    if site != "wenku":  # on 文库 pages a preview-page marker may cut these lines
        assert report["first_line"] in text and report["last_line"] in text


@pytest.mark.parametrize(
    "page",
    [(p["site"], p["path"]) for p in MANIFEST["not_archived"]] + sorted(FORBIDDEN),
    ids=_id,
)
def test_other_pages_exist(sites, page):
    site, path = page
    status, headers, _ = fetch(sites.url(site, path))
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("failure", sorted(FAILURES.items()), ids=_id)
def test_failures_answer_their_status(sites, failure):
    (site, path), status = failure
    assert fetch(sites.url(site, path))[0] == status
    assert fetch(sites.url(site, path), method="HEAD")[0] == status


def test_unknown_paths_and_docx_sources_are_404(sites):
    assert fetch(sites.url("bureau", "/no/such/page.html"))[0] == 404
    src = next(p for r in REPORTS for s, p in r["urls"] if p.endswith(".docx"))
    assert fetch(sites.url("bureau", src + ".txt"))[0] == 404


def test_county_pages_are_gbk_bytes(sites):
    county = [r for r in REPORTS if r["urls"][0][0] == "county"]
    assert len(county) == 2
    for r in county:
        status, headers, body = fetch(sites.url(*r["urls"][0]))
        assert status == 200
        assert headers["Content-Type"] == "text/html"  # no charset in the header
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        with pytest.raises(UnicodeDecodeError):
            body.decode("gb2312")  # what the page claims; it is really GBK/GB18030
        text = body.decode("gb18030")
        assert '<meta charset="gb2312">' in text
        assert r["gbk_only"]
        for ch in r["gbk_only"]:
            assert ch in text
            with pytest.raises(UnicodeEncodeError):
                ch.encode("gb2312")
        assert r["first_line"] in text and r["last_line"] in text


def test_docx_attachment(sites):
    report = next(r for r in REPORTS if r["urls"][0][1].endswith(".docx"))
    status, headers, body = fetch(sites.url(*report["urls"][0]))
    assert status == 200 and headers["Content-Type"] == DOCX_TYPE
    assert int(headers["Content-Length"]) == len(body)
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        assert z.testzip() is None
        assert "word/document.xml" in z.namelist()
    paras = [p.text for p in docx.Document(io.BytesIO(body)).paragraphs]
    assert paras[0] == report["title"]
    assert paras[1] == report["first_line"] and paras[-1] == report["last_line"]
    assert report["phrase"] in "\n".join(paras)
    # the stub article links it and says only 详见附件
    stub = next(p for p in MANIFEST["not_archived"] if "详见附件" in p["why"])
    html = fetch(sites.url(stub["site"], stub["path"]))[2].decode()
    assert "详见附件" in html
    linked = {urljoin(stub["path"], link) for link in links_of(html)}
    assert report["urls"][0][1] in linked


def test_docx_bytes_are_reproducible():
    assert build_docx("标题\n正文第一段\n") == build_docx("标题\n正文第一段\n")


def test_robots(sites):
    status, headers, body = fetch(sites.url("bureau", "/robots.txt"))
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "Disallow: /admin/" in body.decode()
    home = fetch(sites.url("bureau", "/"))[2].decode()
    assert "/admin/secret.html" in links_of(home)
    for site in sites.urls:
        assert fetch(sites.url(site, "/robots.txt"))[0] == 200


def test_conditional_get_and_head(sites):
    url = sites.url("bureau", "/gzzj/index.html")
    status, headers, body = fetch(url)
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag and email.utils.parsedate_to_datetime(modified)

    assert fetch(url, headers={"If-None-Match": etag})[0] == 304
    assert fetch(url, headers={"If-None-Match": f'"stale", {etag}'})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": modified})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"stale"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200

    h_status, h_headers, h_body = fetch(url, method="HEAD")
    assert h_status == 200 and h_body == b""
    assert h_headers["Content-Length"] == headers["Content-Length"]
    assert h_headers["ETag"] == etag

    county = sites.url("county", "/index.html")
    c_etag = fetch(county)[1]["ETag"]
    assert fetch(county, headers={"If-None-Match": c_etag})[0] == 304


def test_access_log(sites):
    before = len(sites.requests)
    fetch(sites.url("wenku", "/index.html"), method="HEAD")
    fetch(sites.url("wenku", "/missing.html"))
    assert sites.requests[before:] == [
        ("wenku", "HEAD", "/index.html", 200),
        ("wenku", "GET", "/missing.html", 404),
    ]


def test_every_link_resolves(sites):
    """Crawl each site from its home page: every link is relative and answers 200, except
    the deliberate failures."""
    seen_failures = set()
    pages = 0
    for site in sites.urls:
        queue, seen = deque(["/"]), {"/"}
        while queue:
            path = queue.popleft()
            status, headers, body = fetch(sites.url(site, path))
            if (site, path) in FAILURES:
                assert status == FAILURES[site, path]
                seen_failures.add((site, path))
                continue
            assert status == 200, (site, path)
            pages += 1
            if not headers["Content-Type"].startswith("text/html"):
                continue
            for link in links_of(decode(site, body)):
                if link.startswith(("javascript:", "mailto:", "#")):
                    continue
                parts = urlsplit(link)
                assert not parts.scheme and not parts.netloc, (site, path, link)
                target = urlsplit(urljoin(path, link)).path
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
        for r in REPORTS:
            for s, p in r["urls"]:
                if s == site:
                    assert p in seen, f"{r['id']}: {s}{p} is not linked from the site"
    assert seen_failures == set(FAILURES)
    assert pages > 40


# ---------------------------------------------------------------------------------------------
# the same report on several sites carries exactly the same paragraphs


P = re.compile(r"<p(?: [^>]*)?>(.*?)</p>", re.S)


def _paras(fragment: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in P.findall(fragment)]


def _between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i : html.index(end, i)]


def body_paragraphs(site: str, html: str) -> list[str]:
    """A deliberately naive per-site extractor, enough to prove the copies are identical."""
    if site == "bureau":
        marker = 'id="zoom">' if 'id="zoom"' in html else 'id="UCAP-CONTENT">'
        return _paras(_between(html, marker, "</div>"))
    if site == "fanwen":
        content = _between(html, '<div class="content">', "</div>")
        content = re.sub(r'<p class="ad">.*?</p>', "", content)
        return _paras(content)
    if site == "wenku":
        out: list[str] = []
        for n, page in enumerate(
            re.findall(r'<div class="preview-page"[^>]*>(.*?)</div>', html, re.S), 1
        ):
            ps = _paras(page)
            assert ps[0].startswith(f"{n}、")
            ps[0] = ps[0][len(f"{n}、") :]
            if n > 1:
                # a preview page never starts a paragraph: it cuts a sentence in half
                assert not out[-1].endswith(("。", "；", "：")) and not ps[0].startswith("(")
                out[-1] += ps.pop(0)
            out.extend(ps)
        return out
    raise AssertionError(site)


@pytest.mark.parametrize(
    "report", [r for r in REPORTS if len(r["urls"]) > 1], ids=lambda r: r["id"]
)
def test_copies_have_identical_bodies(sites, report):
    by_id = {r.id: r for r in build.reports()}
    expected = by_id[report["id"]].text.paras
    for site, path in report["urls"]:
        html = fetch(sites.url(site, path))[2].decode(report["encoding"])
        assert body_paragraphs(site, html) == expected, (site, path)


def test_wenku_pages_have_download_chrome_and_page_markers(sites):
    html = fetch(sites.url("wenku", "/doc/630539.html"))[2].decode()
    for s in (
        "下载积分",
        "资源ID",
        "快捷下载",
        "登录下载",
        "换一换",
        "版权提示",
        "免责声明",
        "为本站会员(",
        ".docx 第1页",
        "2、",
        "3、",
    ):
        assert s in html, s


def test_fanwen_spam_and_word_count(sites):
    spam = next(r for r in REPORTS if "SEO" in r.get("notes", ""))
    html = fetch(sites.url(*spam["urls"][0]))[2].decode()
    content = _between(html, '<div class="content">', "</div>")
    assert _paras(content)[0].startswith("久久")
    assert f"【{spam['chars']}字】" in html
    assert "所在栏目:" in html and "推荐阅读" in html
