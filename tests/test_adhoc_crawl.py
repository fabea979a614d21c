"""Ad-hoc crawl of a site the crawler has never seen: real government page templates from
`../shared/corpus/` holding this project's report texts (some as GB18030 bytes labelled
gb2312), mixed with real news pages. Every report must be archived once with all its URLs."""

from __future__ import annotations

import functools
import http.server
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from office_fixtures import word_file

from crawler.text.normalize import for_hashing

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "crawler" / "sample_site" / "texts"
TEMPLATE = "wsjkw-sh/wsjkw.sh.gov.cn/xwfb/20220426/d4d847dcf3f64fcab102cf5a65656891.html"
NEWS_IDS = ("45fcfa7d", "d997d758", "4e55eac4", "1e20e027", "9c642bd5", "665b6857")
REPORTS = (
    "bureau-2022-annual",
    "bureau-2024-plan",
    "county-2023-annual",
    "fanwen-qinghe-2023",
)
# reports published only as Word 97 / WPS attachments of a stub article
ATTACHED = (("bureau-2024-h1", "doc"), ("county-2024-h1", "wps"))


def report_lines(name: str) -> tuple[str, list[str]]:
    lines = [x.strip() for x in (TEXTS / f"{name}.txt").read_text("utf-8").splitlines()]
    lines = [x for x in lines if x]
    return lines[0], lines[1:]


def government_page(
    template: str, title: str, body: list[str], date: str, charset: str | None = None
) -> str:
    """The real article template with its title, date and content replaced."""
    soup = BeautifulSoup(template, "lxml")
    if charset:
        soup.head.insert(0, soup.new_tag("meta", attrs={"charset": charset}))
    soup.select_one("#ivs_date").string = f"( {date})"
    heading = soup.select_one("#ivs_title")
    heading.find(string=True).replace_with(title)  # keeps the date inside the heading
    content = soup.select_one("#ivs_content")
    content.clear()
    for line in body:
        p = soup.new_tag("p")
        p.string = line
        content.append(p)
    soup.title.string = f"{title}_上海市卫生健康委员会"
    return str(soup)


def build_site(root: Path, corpus: Path) -> dict[str, list[str]]:
    """Write the site; return {report name: [paths]} plus the news paths under 'news'."""
    template = (corpus / TEMPLATE).read_text("utf-8")
    articles = corpus / "magic-html" / "benchmark" / "data" / "article" / "htmls"
    expected: dict[str, list[str]] = {"news": []}
    (root / "news").mkdir()
    (root / "gzzj").mkdir()
    (root / "jhzj").mkdir()
    for news_id in NEWS_IDS:
        source = next(articles.glob(f"{news_id}*.html"))
        path = f"/news/{news_id}.html"
        (root / path.lstrip("/")).write_bytes(source.read_bytes())
        expected["news"].append(path)
    list_items = []
    for i, name in enumerate(REPORTS):
        title, body = report_lines(name)
        gb = i % 2 == 1  # GB18030 bytes that say gb2312
        html = government_page(
            template, title, body, f"2024-0{i + 1}-15", charset="gb2312" if gb else None
        )
        path = f"/gzzj/202401/t2024011{i}_{1000 + i}.html"
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html.encode("gb18030" if gb else "utf-8"))
        expected[name] = [path]
        list_items.append(f'<li><a href="{path}">{title}</a><span>2024-0{i + 1}-15</span></li>')
    for i, (name, ext) in enumerate(ATTACHED):
        title, body = report_lines(name)
        attachment = f"/gzzj/202402/P02024022{i}.{ext}"
        stub = f"/gzzj/202402/t2024022{i}_{3000 + i}.html"
        label = f"附件：{title}.{ext}"
        html = government_page(template, title, [label], f"2024-02-2{i}").replace(
            label, f'附件：<a href="{attachment.rsplit("/", 1)[1]}">{title}.{ext}</a>'
        )
        (root / stub.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / stub.lstrip("/")).write_text(html, "utf-8")
        (root / attachment.lstrip("/")).write_bytes(word_file(["\r".join([title, *body]) + "\r"]))
        expected[name] = [attachment]
        list_items.append(f'<li><a href="{stub}">{title}</a><span>2024-02-2{i}</span></li>')
    # pages that cannot be processed: binary bytes behind an .html name, an empty page
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 8
    broken = {"/gzzj/202403/t20240301_4000.html": png, "/gzzj/202403/t20240302_4001.html": b""}
    for path, body in broken.items():
        (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / path.lstrip("/")).write_bytes(body)
        list_items.append(f'<li><a href="{path}">2024年工作总结</a></li>')
    expected["broken"] = list(broken)
    # the first report again, in the 计划总结 column
    title, body = report_lines(REPORTS[0])
    again = "/jhzj/t20240201_2000.html"
    (root / again.lstrip("/")).write_text(
        government_page(template, title, body, "2024-02-01"), "utf-8"
    )
    expected[REPORTS[0]].append(again)
    news_items = [f'<li><a href="{p}">新闻 {i}</a></li>' for i, p in enumerate(expected["news"])]
    half = len(list_items) // 2
    pages = {
        "index.html": '<ul><li><a href="/gzzj/index.html">工作总结</a></li>'
        '<li><a href="/jhzj/index.html">计划总结</a></li></ul><ul>' + "".join(news_items) + "</ul>",
        "gzzj/index.html": "<ul>" + "".join(list_items[:half]) + "</ul>"
        '<a href="/gzzj/index_1.html">下一页</a>',
        "gzzj/index_1.html": "<ul>" + "".join(list_items[half:]) + "</ul>"
        '<a href="/gzzj/index.html">上一页</a>',
        "jhzj/index.html": f'<ul><li><a href="{again}">{title}</a></li></ul>',
    }
    for path, body_html in pages.items():
        (root / path).write_text(
            f'<html><head><meta charset="utf-8"><title>某市卫生健康委员会</title></head>'
            f"<body>{body_html}</body></html>",
            "utf-8",
        )
    return expected


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gov_site(tmp_path: Path, corpus_dir: Path) -> Iterator[tuple[str, dict[str, list[str]]]]:
    root = tmp_path / "site"
    root.mkdir()
    expected = build_site(root, corpus_dir)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", expected
    server.shutdown()
    server.server_close()


def test_adhoc_crawl_archives_every_report_once(gov_site, tmp_path: Path) -> None:
    base, expected = gov_site
    db = tmp_path / "x.db"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            f"{base}/index.html",
            "--db",
            str(db),
            "--delay",
            "0",
            "--no-progress",
            "--private-network",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    conn = sqlite3.connect(db)
    docs = conn.execute("SELECT id, title, text FROM documents").fetchall()
    urls = {
        doc_id: sorted(
            u for (u,) in conn.execute("SELECT url FROM sightings WHERE document_id = ?", (doc_id,))
        )
        for doc_id, _, _ in docs
    }
    found = {}
    for name in (*REPORTS, *(name for name, _ in ATTACHED)):
        _, body = report_lines(name)
        phrase = for_hashing(body[len(body) // 2])
        matches = [d for d in docs if phrase in for_hashing(d[2])]
        assert len(matches) == 1, f"{name}: {len(matches)} documents hold its text"
        found[name] = matches[0][0]
        assert urls[matches[0][0]] == sorted(base + p for p in expected[name])
    titles = [d[1] for d in docs]
    assert len(docs) == len(REPORTS) + len(ATTACHED), json.dumps(titles, ensure_ascii=False)
    for name, _ in ATTACHED:  # the title is the attachment's first paragraph, not in the text
        title, _ = report_lines(name)
        doc_title, doc_text = next((d[1], d[2]) for d in docs if d[0] == found[name])
        assert doc_title == title and not doc_text.startswith(title)
    sighted = {u for (u,) in conn.execute("SELECT url FROM sightings")}
    assert not sighted & {base + p for p in expected["news"]}
    encodings = dict(conn.execute("SELECT url, encoding FROM sightings"))
    assert encodings[base + expected[REPORTS[1]][0]] == "gb18030"
    failed = {
        url: (stage, capture)
        for url, stage, capture in conn.execute("SELECT url, stage, capture_sha256 FROM failures")
    }
    png, empty = (base + p for p in expected["broken"])
    assert failed[png][0] == "decode" and failed[png][1]  # the bytes are kept for later
    assert failed[empty][0] in ("decode", "extract")
    for doc_id in found.values():
        text = conn.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
        assert "\ufffd" not in text
        assert "上海市卫生健康委员会" not in text  # template chrome
        assert "所在的位置" not in text
