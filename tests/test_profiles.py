"""Site profiles: the shipped ones load, bad ones fail naming the file and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.errors import ProfileError
from spiders.profiles import (
    PROFILES_DIR,
    load_profile,
    load_profiles,
    parse_schedule,
    profiles_dir,
)

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
name = "example"
start_urls = ["https://wjw.example.gov.cn/gzzj/index.html"]
follow = ['/gzzj/index(_\\d+)?\\.html$']
articles = ['/gzzj/\\d{6}/t\\d{8}_\\d+\\.html$']
schedule = "6h"
"""


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_profile_loads() -> None:
    profiles = load_profiles(PROFILES_DIR)
    assert len(profiles) >= 3
    for name, profile in profiles.items():
        assert profile.name == name
        assert profile.start_urls and profile.articles
        assert profile.allowed_domains
        assert profile.schedule.cron or profile.schedule.interval_seconds


def test_defaults_and_matching(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, GOOD))
    assert p.allowed_domains == ("wjw.example.gov.cn",)
    assert p.schedule.interval_seconds == 6 * 3600
    assert p.is_followed("https://wjw.example.gov.cn/gzzj/index_2.html")
    assert p.is_article("https://wjw.example.gov.cn/gzzj/202401/t20240115_1.html")
    assert not p.is_article("https://wjw.example.gov.cn/gzzj/index_2.html")
    assert p.settings.scrapy_settings()["DOWNLOAD_DELAY"] == 1.0


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('name = "Bad Name"\nstart_urls=["http://a.cn/"]\narticles=["x"]', "name"),
        ('name = "a"\narticles=["x"]', "start_urls"),
        ('name = "a"\nstart_urls=["ftp://a.cn/"]\narticles=["x"]', "start_urls"),
        ('name = "a"\nstart_urls=["http://a.cn/"]', "articles"),
        ('name = "a"\nstart_urls=["http://a.cn/"]\narticles=["(unclosed"]', "articles"),
        ('name = "a"\nstart_urls=["http://a.cn/"]\narticles=["x"]\nschedule="often"', "schedule"),
        (
            'name = "a"\nstart_urls=["http://a.cn/"]\narticles=["x"]\nschedule="61 * * * *"',
            "schedule",
        ),
        ('name = "a"\nstart_urls=["http://a.cn/"]\narticles=["x"]\nstart_url="typo"', "start_url"),
        ('name = "a"\nstart_urls=["http://a.cn/"]\narticles=["x"]\n[settings]\ndelay=-1', "delay"),
        (
            'name = "a"\nstart_urls=["http://a.cn/"]\narticles=["x"]\n[selectors]\nbody="p[["',
            "body",
        ),
    ],
)
def test_invalid_profile_names_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    message = str(err.value)
    assert str(path) in message
    assert f"'{field}" in message or f".{field}'" in message


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "name = ")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(path)


def test_duplicate_names(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.toml")
    write(tmp_path, GOOD, "b.toml")
    with pytest.raises(ProfileError, match="also used by"):
        load_profiles(tmp_path)


def test_schedule_forms() -> None:
    assert parse_schedule("30m").interval_seconds == 1800
    assert parse_schedule("10s").interval_seconds == 10
    assert parse_schedule("0 3 * * 1").cron == "0 3 * * 1"
    with pytest.raises(ValueError):
        parse_schedule("0 3 * *")


def test_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, GOOD)
    monkeypatch.setenv("CRAWLER_PROFILES", str(tmp_path))
    assert profiles_dir() == tmp_path
    assert list(load_profiles()) == ["example"]


def test_scrapy_list_sees_profiles(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    env = {"CRAWLER_PROFILES": str(tmp_path), "PATH": str(Path(sys.executable).parent)}
    out = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    assert "example" in out
    assert "discover" in out


def test_max_list_pages_caps_script_written_lists(tmp_path) -> None:
    """A profile's `max_list_pages` reaches the recognisers through the spider (the fleet's
    too: its spiders have no crawler of their own)."""
    from scrapy.http import HtmlResponse, Request

    from spiders.profile_spider import spider_for
    from spiders.profiles import profile_from_dict

    data = {
        "name": "capped", "start_urls": ["http://a.gov.cn/col/index.html"],
        "articles": ["/art/"], "settings": {"max_list_pages": 7},
    }  # fmt: skip
    spider = spider_for(profile_from_dict(data))()
    body = '<html><body><script>createPageHTML(500, 0, "index", "html");</script></body></html>'
    response = HtmlResponse(
        "http://a.gov.cn/col/index.html", body=body.encode(), encoding="utf-8",
        request=Request("http://a.gov.cn/col/index.html"),
    )  # fmt: skip
    found, failures = spider.discover_links(response)
    assert failures == [] and len([f for f in found if f.how == "trs-pages"]) == 7


def test_a_list_no_recogniser_can_read_is_a_discover_failure() -> None:
    from scrapy.http import Request, TextResponse

    from spiders.profile_spider import spider_for
    from spiders.profiles import profile_from_dict

    data = {"name": "x", "start_urls": ["http://a.gov.cn/api/list?page=1"], "articles": ["/art/"]}
    spider = spider_for(profile_from_dict(data))()
    response = TextResponse(
        "http://a.gov.cn/api/list?page=1", body=b'{"data": {"list": [{"url": "/art/1.html"',
        headers={"Content-Type": "application/json"}, request=Request("http://a.gov.cn/"),
    )  # fmt: skip
    found, failures = spider.discover_links(response)
    assert found == []
    [failure] = failures
    assert (failure.stage, failure.url) == ("discover", "http://a.gov.cn/api/list?page=1")
    assert failure.reason.startswith("json: not JSON")
