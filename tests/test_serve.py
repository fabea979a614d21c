"""`crawler serve`: the real Datasette on a small archive, its search, queries and pages."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from archive.datasette_hooks import prepare_connection
from archive.search import SEARCH_TABLE, fts_query, spaced, spaced_sql
from archive.serve import METADATA
from archive.store import Archive, Sighting
from crawler.text.chinese_script import to_simplified

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

# (title, text, region, year, script): simplified and traditional texts sharing terms
DOCUMENTS = [
    (
        "枫林区卫生健康局2023年工作总结",
        "一、疾病预防控制\n全区卫生健康工作稳步推进。\n二、医保支付改革",
        "枫林区",
        2023,
        "simplified",
    ),
    (
        "澄溪區衛生健康局2024年上半年工作總結",
        "一、疾病預防\n衛生服務中心建設。\n二、醫保基金監管",
        "澄溪区",
        2024,
        "traditional",
    ),
    (
        "清源县卫健委2024年工作计划",
        "持续推进家庭医生签约服务。\nCOVID-19 疫苗接种",
        "清源县",
        2024,
        "simplified",
    ),
    (
        "江州市卫生健康委员会2023年度工作报告",
        "公立医院高质量发展。" + "长文本。" * 200 + "尾声疾",
        "江州市",
        2023,
        "simplified",
    ),
]
# terms of 1, 2 and 4 characters, typed in either script
TERMS = ["疾", "卫生", "衛生", "医保", "醫保", "疾病预防", "疾病預防", "工作總結", "covid", "鼹鼠"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


# a table's count, facets, description and SQL: Datasette 1.0 gives them when asked
_EXTRAS = "".join(
    f"&_extra={e}" for e in ("count", "facet_results", "human_description_en", "query")
)


def table_json(url: str) -> dict:
    """A table page's JSON, in Datasette 0.65's shape whichever line is installed."""
    data = get_json(url + _EXTRAS)
    if "count" in data:
        data["filtered_table_rows_count"] = data["count"]
    if isinstance(data.get("facet_results", {}).get("results"), dict):
        data["facet_results"] = data["facet_results"]["results"]
    return data


def add(archive: Archive, n: int, title: str, text: str, **fields: object) -> int:
    added = archive.add_document(
        text=text,
        fields={"title": title, "relevant": 1, "doc_type": "工作总结", **fields},
        sighting=Sighting(
            url=f"http://bureau.test/docs/{n}.html",
            source="site-b" if n % 2 else "site-a",
            fetched_at=f"2024-0{n + 1}-01T00:00:00+00:00",
            status=200,
        ),
        run_id=None,
    )
    return added.document_id


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serve") / "archive.db"
    with Archive(db) as archive:
        run = archive.start_run("site-a")
        for n, (title, text, region, year, script) in enumerate(DOCUMENTS):
            add(archive, n, title, text, region=region, year=year, script=script)
        archive.add_failure(run_id=run, source="site-a", url="http://bureau.test/x", stage="fetch",
                            reason="HTTP 404", status=404)  # fmt: skip
        archive.finish_run(run, "finished", exit_code=0, pages_fetched=5)
        # a near-duplicate cluster, as the deduplication marks it: 1 is canonical
        archive.conn.execute("UPDATE documents SET cluster_id = 1 WHERE id = 4")
        archive.conn.commit()
    return db


class Server:
    def __init__(self, db: Path, port: int) -> None:
        self.db = db
        self.base = f"http://127.0.0.1:{port}/{db.stem}"

    def search(self, term: str) -> set[int]:
        query = urllib.parse.urlencode({"_search": term, "_col": "title", "_size": "max"})
        data = get_json(f"{self.base}/documents.json?{query}&_shape=objects")
        return {row["id"] for row in data["rows"]}


@pytest.fixture(scope="module")
def server(archive_db: Path) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(archive_db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Server(archive_db, port)
    try:
        for _ in range(150):
            try:
                get_json(f"{served.base}/documents.json?_size=0")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"crawler serve exited: {proc.stderr.read()[-2000:]}")
                time.sleep(0.2)
        else:
            pytest.fail("crawler serve did not answer")
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def expected(db: Path, term: str) -> set[int]:
    """The documents whose simplified title or text holds the term (case folded)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT id, title, text_simplified FROM documents").fetchall()
    finally:
        conn.close()
    want = to_simplified(term).lower()
    return {i for i, title, text in rows if want in to_simplified(f"{title}\n{text}").lower()}


# the index ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        *["", None, "卫生", "a卫b生c", "COVID-19 疫苗", "一\n二\t三 ", "😀卫𠀀生"],
        *["长" * 200 + "x" * 70, "卫" * 7, "卫" * 9, "a" * 63 + "卫生", "卫" * 65, "x卫" * 100],
    ],
)
def test_sql_spacing_is_the_python_spacing(text: str | None) -> None:
    conn = sqlite3.connect(":memory:")
    assert conn.execute(f"SELECT {spaced_sql('?1')}", (text,)).fetchone()[0] == spaced(text)


def test_query_rewriting() -> None:
    assert fts_query("卫生") == '("卫 生" OR "衛 生")'  # 衛生 for titles kept in traditional
    assert fts_query("衛生 疾") == '("卫 生" OR "衛 生") AND "疾"'
    assert fts_query('"卫生 健康" 2024年') == '("卫 生 健 康" OR "衛 生 健 康") AND "2024 年"'
    assert fts_query("covid") == '"covid"'
    assert fts_query("卫生 -- ');") == fts_query("卫生")  # punctuation alone is no term
    assert fts_query("") == '""'
    assert fts_query('a"b OR') == '"a" AND "b" AND "OR"'


def test_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    with Archive(tmp_path / "a.db") as archive:
        first = add(archive, 1, "甲", "卫生健康")
        add(archive, 2, "乙", "醫療保障")

        def found(term: str) -> set[int]:
            sql = f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?"
            return {r[0] for r in archive.conn.execute(sql, (fts_query(term),))}

        assert found("医疗") == {2}
        with archive.conn:
            archive.conn.execute("UPDATE documents SET last_seen = 'x'")  # not reindexed
            archive.conn.execute(
                "UPDATE documents SET text = '疾控', text_simplified = '疾控' WHERE id = ?",
                (first,),
            )
        assert found("卫生") == set()
        assert found("疾控") == {first}
        with archive.conn:
            archive.conn.execute("DELETE FROM sightings WHERE document_id = ?", (first,))
            archive.conn.execute("DELETE FROM documents WHERE id = ?", (first,))
        assert found("疾") == set()
        check = f"INSERT INTO {SEARCH_TABLE} ({SEARCH_TABLE}) VALUES ('integrity-check')"
        archive.conn.execute(check)


def test_served_connections_cannot_write(archive_db: Path) -> None:
    conn = sqlite3.connect(archive_db)
    try:
        prepare_connection(conn)
        assert conn.execute("SELECT escape_fts('衛生')").fetchone()[0] == fts_query("衛生")
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("UPDATE documents SET title = 'x'")
    finally:
        conn.close()


# the server ---------------------------------------------------------------------------


@pytest.mark.parametrize("term", TERMS)
def test_search_finds_terms_of_any_length_in_either_script(server: Server, term: str) -> None:
    want = expected(server.db, term)
    assert want or term == "鼹鼠"
    assert server.search(term) == want


def test_search_examples(server: Server) -> None:
    assert server.search("衛生") == server.search("卫生") == {1, 2, 4}
    assert server.search("醫保") == {1, 2}
    assert server.search("疾") == {1, 2, 4}
    assert server.search("疾病预防") == {1, 2}
    assert server.search("卫生 医保") == {1, 2}


def test_search_by_column_and_its_facets(server: Server) -> None:
    def ids(query: str) -> set[int]:
        data = get_json(f"{server.base}/documents.json?{query}&_shape=objects&_size=max")
        return {row["id"] for row in data["rows"]}

    assert ids("_search_title=" + urllib.parse.quote("卫生")) == {1, 2, 4}  # 2: 衛生 in title
    assert ids("_search_text=" + urllib.parse.quote("醫保")) == {1, 2}
    assert ids("_search_title=" + urllib.parse.quote("醫保")) == set()
    assert ids("_search=" + urllib.parse.quote("  ")) == {1, 2, 3, 4}  # a blank search: all
    with pytest.raises(urllib.error.HTTPError) as refused:
        ids("_search_sha256=x")
    refused.value.close()
    assert refused.value.code == 400
    data = table_json(f"{server.base}/documents.json?_search={urllib.parse.quote('医保')}")
    assert data["filtered_table_rows_count"] == 2
    facets = data["facet_results"]
    assert {v["value"]: v["count"] for v in facets["sources"]["results"]} == {
        "site-a": 1, "site-b": 1}  # fmt: skip
    assert {v["value"] for v in facets["region"]["results"]} == {"枫林区", "澄溪区"}
    assert 'search matches "医保"' in data["human_description_en"]


@pytest.mark.parametrize(
    ("args", "counted_in_memory"),
    [
        ({"_search": "卫生", "_facet": "year", "_size": "0", "_sort": "id"}, True),
        ({"_search_title": "卫生", "_facet_columns": "year", "_extra": "count"}, True),
        ({"_search": "卫生", "region": "枫林区"}, False),
        ({"_search": "卫生", "id__gte": "0"}, False),
        ({"_search": "卫生", "_where": "year = 2023"}, False),
        ({"_search": "卫生", "_next": "5"}, False),
        ({"_search": "卫生", "_another_plugins_filter": "1"}, False),
    ],
)
def test_facets_count_in_memory_only_over_the_search_alone(
    args: dict, counted_in_memory: bool
) -> None:
    from archive.datasette_facets import only_searched

    assert only_searched(args) is counted_in_memory


@pytest.mark.parametrize("term", ["卫生", "醫保", "疾", "鼹鼠"])
def test_facets_from_memory_are_the_sql_facets(server: Server, term: str) -> None:
    def facets(extra: str) -> dict:
        query = urllib.parse.urlencode({"_search": term}) + extra
        data = table_json(f"{server.base}/documents.json?{query}&_size=0")
        assert len(data["facet_results"]) == 7
        return {
            name: [(v["value"], v["count"]) for v in facet["results"]]
            for name, facet in data["facet_results"].items()
        }

    # only the search: counted in memory; with another filter (one that keeps every row):
    # counted by SQL
    assert facets("") == facets("&id__gte=0")


@pytest.mark.parametrize(
    "sql",
    [
        "update documents set title = 'x'",
        "delete from documents",
        "with d as (select 1) delete from documents",
        "pragma query_only = 0",
        "attach database ':memory:' as other",
    ],
)
def test_sql_over_http_cannot_change_the_archive(server: Server, sql: str) -> None:
    before = table_json(f"{server.base}/documents.json?_size=0")["filtered_table_rows_count"]
    url = f"{server.base.rsplit('/', 1)[0]}/{server.db.stem}.json?sql={urllib.parse.quote(sql)}"
    try:
        data = get_json(url)
        assert data.get("ok") is False, data
    except urllib.error.HTTPError as refused:
        refused.close()
        assert refused.code in (400, 403)
    after = table_json(f"{server.base}/documents.json?_size=0")["filtered_table_rows_count"]
    assert after == before


def canned_queries() -> list[str]:
    return list(yaml.safe_load(METADATA.read_text("utf-8"))["databases"]["archive"]["queries"])


@pytest.mark.parametrize("name", canned_queries())
def test_every_canned_query_runs(server: Server, name: str) -> None:
    data = get_json(f"{server.base}/{name}.json?_shape=objects&region=&year=")
    assert data["ok"] is not False
    assert data["rows"], name


def test_canned_query_answers(server: Server) -> None:
    rows = get_json(f"{server.base}/near_duplicate_clusters.json?_shape=objects")["rows"]
    assert [(r["cluster_id"], r["id"], r["canonical"]) for r in rows] == [(1, 1, 1), (1, 4, 0)]
    rows = get_json(
        f"{server.base}/documents_by_region_year.json?_shape=objects&region="
        f"{urllib.parse.quote('澄溪区')}&year=2024"
    )["rows"]
    assert [r["id"] for r in rows] == [2]
    rows = get_json(f"{server.base}/failures_by_reason.json?_shape=objects")["rows"]
    assert rows[0]["stage"] == "fetch" and rows[0]["failures"] == 1


def test_default_facets_and_sort(server: Server) -> None:
    data = table_json(f"{server.base}/documents.json?_size=0")
    assert set(data["facet_results"]) >= {"doc_type", "year", "region", "province", "period",
                                          "sources", "script"}  # fmt: skip
    sources = {v["value"]: v["count"] for v in data["facet_results"]["sources"]["results"]}
    assert sources == {"site-a": 2, "site-b": 2}
    assert data["query"]["sql"].endswith("order by published desc limit 1")


def test_document_page_shows_text_sightings_and_cluster(server: Server) -> None:
    with urllib.request.urlopen(f"{server.base}/documents/1", timeout=30) as r:
        page = r.read().decode("utf-8")
    assert "<p>一、疾病预防控制</p><p>全区卫生健康工作稳步推进。</p>" in page  # a line each
    assert '<a href="http://bureau.test/docs/0.html"' in page
    assert "地区" in page and "枫林区" in page
    assert "江州市卫生健康委员会2023年度工作报告" in page  # its near-duplicate


def test_document_page_shows_a_tables_rows_as_a_table(server: Server) -> None:
    text = "主要指标如下。\n指标\t2023年\t增长\n签约人数\t520\t12.5%\n全年目标完成。"
    with Archive(server.db) as archive:
        new = add(archive, 8, "指标表", text)
    try:
        with urllib.request.urlopen(f"{server.base}/documents/{new}", timeout=30) as r:
            page = r.read().decode("utf-8")
    finally:
        with Archive(server.db) as archive, archive.conn:
            archive.conn.execute("DELETE FROM sightings WHERE document_id = ?", (new,))
            archive.conn.execute("DELETE FROM documents WHERE id = ?", (new,))
    assert (
        '<p>主要指标如下。</p><table class="document-table"><tr><td>指标</td><td>2023年</td>'
        "<td>增长</td></tr><tr><td>签约人数</td><td>520</td><td>12.5%</td></tr></table>"
        "<p>全年目标完成。</p>"
    ) in page


def test_serves_while_a_crawl_writes(server: Server) -> None:
    with Archive(server.db) as archive:
        new = add(archive, 7, "鼹鼠调查", "鼹鼠")
    try:
        assert server.search("鼹鼠") == {new}
    finally:
        with Archive(server.db) as archive, archive.conn:
            archive.conn.execute("DELETE FROM sightings WHERE document_id = ?", (new,))
            archive.conn.execute("DELETE FROM documents WHERE id = ?", (new,))


# a person with a browser ----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# headless, and quiet: this machine's network is closed to Chromium's background services
BROWSER_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000",
)  # fmt: skip


def test_search_in_a_browser(server: Server) -> None:
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium and chromium-driver (.ci/run)")
        pytest.skip("chromium and chromedriver are not installed")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        driver.get(f"{server.base}/documents")
        box = driver.find_element(By.ID, "_search")
        box.send_keys("衛生")
        box.submit()
        WebDriverWait(driver, 30).until(expected_conditions.url_contains("_search="))
        rows = driver.find_elements(By.CSS_SELECTOR, "table.rows-and-columns tbody tr")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "serve-search.png"))
        assert len(rows) == 3
        assert "枫林区卫生健康局2023年工作总结" in driver.page_source
        assert driver.find_element(By.ID, "_search").get_attribute("value") == "衛生"
        # the columns' Chinese labels (metadata.yml) as headings and facet names
        heading = driver.find_element(By.CSS_SELECTOR, "th[data-column=title]")
        assert heading.text.strip() == "标题"
        facet = driver.find_element(By.CSS_SELECTOR, ".facet-info[data-column=year] strong")
        assert facet.text.strip() == "年份"
    finally:
        driver.quit()
