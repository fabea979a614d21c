"""The fleet's parts on their own: the item codec, crawl scope, crawl specs and start
requests, the workers' settings, the generated site (no Redis needed here)."""

from __future__ import annotations

import json

import pytest
from sites.generated import GeneratedSite, generate

from crawler.fleet import item_codec, request_codec
from crawler.fleet.crawl_spec import BadCrawlSpec, CrawlSpec
from crawler.fleet.leased_scheduler import CRAWL_META
from crawler.fleet.scope import SCOPE_META, in_scope
from crawler.fleet.seed import site_limits, start_requests, urls_spec
from crawler.fleet.spider import FleetSpider, plan_for
from crawler.fleet.worker import worker_settings
from crawler.items import FailureItem, PageItem, UnchangedItem
from crawler.network_guard import META as PRIVATE_META
from crawler.runner import project_settings
from spiders.profiles import profile_from_dict

PAGE = PageItem(
    url="http://a.example/x.html",
    source="a",
    body=b"\x00\xff<html>\xe5\x8d\xab</html>",
    status=200,
    fetched_at="2026-11-23T00:00:00+00:00",
    content_type="text/html",
    selectors={"body": "#zoom", "title": None, "date": None},
)


@pytest.mark.parametrize(
    "item",
    [
        PAGE,
        FailureItem(url="http://a.example/y", source="a", stage="fetch", reason="HTTP 500"),
        UnchangedItem(url="http://a.example/z", source="a", fetched_at="2026-11-23"),
    ],
)
def test_codec_round_trip(item: item_codec.Item) -> None:
    assert item_codec.decode(item_codec.encode("crawl-1", item)) == ("crawl-1", item)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"v": 9}', "unknown item version"),
        (b'{"v": 1, "crawl": "c", "kind": "poem", "item": {}}', "needs 'crawl'"),
        (b'{"v": 1, "crawl": "c", "kind": "page", "item": {"url": "u", "x": 1}}', "unknown"),
        (b'{"v": 1, "crawl": "c", "kind": "page", "item": {"url": "u", "body": "%%"}}', "base64"),
        (b'{"v": 1, "crawl": "c", "kind": "failure", "item": {"url": "u"}}', "bad failure"),
        (
            b'{"v": 1, "crawl": "c", "kind": "unchanged",'
            b' "item": {"url": 5, "source": "s", "fetched_at": "t"}}',
            "must be strings",
        ),
    ],
)
def test_codec_rejects_what_it_cannot_archive(data: bytes, reason: str) -> None:
    with pytest.raises(item_codec.BadItem, match=reason):
        item_codec.decode(data)


def test_salvage_reads_what_it_can() -> None:
    data = json.dumps({"v": 1, "crawl": "c", "item": {"url": "http://x/", "source": "s"}})
    assert item_codec.salvage(data.encode()) == ("c", "http://x/", "s")
    assert item_codec.salvage(b"\xff") == (None, "?", "fleet")


def test_scope_is_scrapys_offsite_rule() -> None:
    assert in_scope("http://wjw.example.gov.cn/a", ["example.gov.cn"])
    assert in_scope("http://EXAMPLE.gov.cn:8080/a", ["example.gov.cn"])
    assert not in_scope("http://badexample.gov.cn/a", ["example.gov.cn"])
    assert not in_scope("http://other.cn/a", ["example.gov.cn"])


PROFILE = {
    "name": "gen",
    "start_urls": [
        "http://127.0.0.1:8000/gzzj/index.html",
        "http://127.0.0.1:8000/gzzj/1/t1_1.html",
    ],
    "articles": [r"/gzzj/\d+/t\d+_\d+\.html$"],
    "follow": [r"/gzzj/index(_\d+)?\.html$"],
    "settings": {"delay": 0.5, "concurrency": 3, "depth": 4, "max_pages": 50},
}


def test_profile_crawl_starts_like_the_profile_spider() -> None:
    spider = FleetSpider.__new__(FleetSpider)
    requests = start_requests(CrawlSpec.of_profile("gen", PROFILE), "c1", spider)
    assert [(r.url, r.callback.__name__) for r in requests] == [
        ("http://127.0.0.1:8000/gzzj/index.html", "parse"),
        ("http://127.0.0.1:8000/gzzj/1/t1_1.html", "parse_article"),
    ]
    assert all(r.meta[CRAWL_META] == "c1" for r in requests)
    assert requests[0].meta[SCOPE_META] == ["127.0.0.1"]
    assert PRIVATE_META not in requests[0].meta  # the profile does not opt in
    limits = site_limits(CrawlSpec.of_profile("gen", PROFILE), None, None)
    assert limits == {"127.0.0.1": {"delay": 0.5, "concurrency": 3}}
    plan = plan_for(CrawlSpec.of_profile("gen", PROFILE))
    assert (plan.spider.name, plan.domains, plan.depth, plan.max_pages) == (
        "gen",
        ["127.0.0.1"],
        4,
        50,
    )
    assert plan.spider.profile == profile_from_dict(PROFILE)
    private = {**PROFILE, "settings": {**PROFILE["settings"], "private_network": True}}
    requests = start_requests(CrawlSpec.of_profile("gen", private), "c2", spider)
    assert all(r.meta[PRIVATE_META] is True for r in requests)


def test_adhoc_crawl_spec() -> None:
    spec = urls_spec(["http://b.example:81/news/"], None)
    assert json.loads(spec.to_json()) == {
        "kind": "urls",
        "source": "b.example:81",
        "urls": ["http://b.example:81/news/"],
        "depth": 8,
    }  # the wire format of every version
    assert CrawlSpec.from_json(spec.to_json()) == spec
    assert site_limits(spec, 2.0, None) == {"b.example": {"delay": 2.0, "concurrency": 2}}
    plan = plan_for(spec)
    assert (plan.domains, plan.depth, plan.max_pages, plan.private_network) == (
        ["b.example"],
        8,
        0,
        False,
    )
    assert plan_for(urls_spec(list(spec.urls), 2, private_network=True)).private_network


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not json", "not JSON"),
        ('{"kind": "ftp", "source": "x"}', "no known kind"),
        ('{"kind": "urls", "source": "x", "urls": []}', "urls must be a list"),
        ('{"kind": "profile", "source": "x"}', "profile data missing"),
    ],
)
def test_a_crawl_spec_no_seeder_wrote_is_refused_with_its_reason(raw: str, says: str) -> None:
    with pytest.raises(BadCrawlSpec, match=says):
        CrawlSpec.from_json(raw)


def test_queued_requests_round_trip_as_json() -> None:
    """What scrapy-redis queues is JSON: bytes, tuples and byte-keyed headers survive."""
    spider = FleetSpider.__new__(FleetSpider)
    request = start_requests(CrawlSpec.of_profile("gen", PROFILE), "c1", spider)[0]
    request = request.replace(
        body=b"\x00\xff", headers={"Referer": "http://a/"}, cb_kwargs={"k": ("a", 1)}
    )
    request.meta["redirect_urls"] = ["http://a/1"]
    request.meta["odd"] = {"$bytes": "not a tag here", "x": 1}
    data = request_codec.dumps(request.to_dict(spider=spider))
    assert json.loads(data)["url"] == request.url  # plain JSON
    back = request_codec.loads(data)
    assert back == request.to_dict(spider=spider)
    assert back["headers"] == {b"Referer": [b"http://a/"]}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x80\x04\x95 pickled", "not JSON"),
        (b'["http://a/"]', "JSON object with a 'url'"),
        (b'{"url": "http://a/", "_class": "os.system"}', "not one of scrapy.http's"),
        (b'{"url": "http://a/", "body": {"$bytes": "%%%"}}', "bad base64"),
    ],
)
def test_queued_entries_that_are_not_requests_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(request_codec.BadRequestData, match=reason):
        request_codec.loads(data)


def test_a_request_holding_an_object_cannot_be_queued() -> None:
    with pytest.raises(TypeError, match="holding a set"):
        request_codec.dumps({"url": "http://a/", "meta": {"s": {1}}})


def test_workers_keep_the_projects_politeness() -> None:
    local = project_settings()
    fleet = worker_settings("redis://127.0.0.1:1/0", worker="w1")
    for key in ("ROBOTSTXT_OBEY", "USER_AGENT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT",
                "RETRY_TIMES", "REDIRECT_MAX_TIMES", "COOKIES_ENABLED"):  # fmt: skip
        assert fleet[key] == local[key], key
    middlewares = fleet.getdict("DOWNLOADER_MIDDLEWARES")
    for name in local.getdict("DOWNLOADER_MIDDLEWARES"):
        assert name in middlewares
    assert "crawler.fleet.ratelimit.FleetRateLimitMiddleware" in middlewares
    assert fleet.getfloat("DOWNLOAD_DELAY") == 0  # the fleet-wide limit replaces it
    assert fleet.getfloat("FLEET_DEFAULT_DELAY") == local.getfloat("DOWNLOAD_DELAY")
    assert fleet["SCHEDULER"] == "crawler.fleet.leased_scheduler.LeasedScheduler"
    assert fleet.getbool("SCHEDULER_PERSIST")


def test_generated_site_is_deterministic_and_plausible() -> None:
    a, b = generate(300), generate(300)
    assert a == b
    texts = {"".join(x.paras) for x in a}
    reposts = [x for x in a if x.copy_of is not None]
    assert len(texts) == len(a) - sum(1 for x in a if x.number % 40 == 0 and x.number)
    assert reposts and all(x.title == a[x.copy_of].title for x in reposts)
    site = GeneratedSite(45)
    assert "/gzzj/index_2.html" in site.pages and "/robots.txt" in site.pages
    assert all("卫生健康局" in x.title and x.title.endswith("工作总结") for x in a)
