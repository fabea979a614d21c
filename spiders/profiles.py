"""Site profiles: one TOML file per site, validated into a `Profile` on load."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import ProfileError
from crawler.text.extract import Selectors

PROFILES_DIR = Path(__file__).resolve().parent / "profiles"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KNOWN_KEYS = {
    "name",
    "title",
    "start_urls",
    "allowed_domains",
    "follow",
    "articles",
    "schedule",
    "selectors",
    "settings",
    "render",
}
RENDER_MODES = ("auto", "always", "never")
SETTING_KEYS = {
    "delay", "concurrency", "depth", "max_pages", "max_list_pages", "timeout", "private_network",
}  # fmt: skip


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled: a 5-field cron expression or a fixed interval."""

    text: str
    cron: str | None = None
    interval_seconds: int | None = None


@dataclass(frozen=True)
class SiteSettings:
    """Per-site politeness and limits, mapped onto Scrapy settings."""

    delay: float = 1.0
    concurrency: int = 2
    depth: int | None = None
    max_pages: int | None = None
    max_list_pages: int | None = None  # pages generated from one script-written list at most
    timeout: float | None = None  # seconds for one download
    private_network: bool = False  # may fetch private/loopback addresses (crawler/network_guard)

    def scrapy_settings(self) -> dict[str, Any]:
        """The Scrapy settings these values stand for."""
        out: dict[str, Any] = {
            "DOWNLOAD_DELAY": self.delay,
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrency,
        }
        if self.depth is not None:
            out["DEPTH_LIMIT"] = self.depth
        if self.max_pages is not None:
            out["CLOSESPIDER_PAGECOUNT"] = self.max_pages
        if self.timeout is not None:
            out["DOWNLOAD_TIMEOUT"] = self.timeout
        if self.private_network:
            out["PRIVATE_NETWORK_ALLOWED"] = True
        return out


@dataclass(frozen=True)
class Profile:
    """Where and how to crawl one site."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    follow: tuple[re.Pattern[str], ...]
    articles: tuple[re.Pattern[str], ...]
    schedule: Schedule
    selectors: Selectors = field(default_factory=Selectors)
    settings: SiteSettings = field(default_factory=SiteSettings)
    title: str | None = None
    path: Path | None = None
    render: str = "auto"  # list pages in a browser: when a script fills them, always, never

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self.articles)

    def is_followed(self, url: str) -> bool:
        return any(p.search(url) for p in self.follow)


def profiles_dir() -> Path:
    """The profiles folder: `$CRAWLER_PROFILES` if set, else `spiders/profiles/`."""
    env = os.environ.get("CRAWLER_PROFILES")
    return Path(env) if env else PROFILES_DIR


def parse_schedule(text: str) -> Schedule:
    """Parse `"6h"`, `"30m"`, `"10s"`, `"1d"` or a 5-field cron expression."""
    m = INTERVAL_RE.match(text)
    if m:
        seconds = int(m.group(1)) * INTERVAL_UNITS[m.group(2)]
        if seconds <= 0:
            raise ValueError("interval must be positive")
        return Schedule(text=text, interval_seconds=seconds)
    fields = text.split()
    if len(fields) != 5:
        raise ValueError(
            f"{text!r} is neither an interval (6h, 30m, 10s, 1d) nor a 5-field cron expression"
        )
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"invalid cron expression {text!r}: {exc}") from None
    return Schedule(text=text, cron=text)


def profile_from_dict(data: dict[str, Any], path: Path | None = None) -> Profile:
    """Validate a profile's data; errors name the file and the field."""
    where = str(path) if path else "<profile>"

    def fail(fieldname: str, message: str) -> ProfileError:
        return ProfileError(f"{where}: field '{fieldname}': {message}")

    unknown = set(data) - KNOWN_KEYS
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown key (known: {', '.join(sorted(KNOWN_KEYS))})")

    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise fail("name", "required; lower-case letters, digits, '-' or '_'")

    start_urls = _str_list(data.get("start_urls"), "start_urls", fail, required=True)
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise fail("start_urls", f"not an http(s) URL: {url!r}")

    domains = _str_list(data.get("allowed_domains"), "allowed_domains", fail)
    if not domains:
        domains = sorted({urlsplit(u).hostname or "" for u in start_urls})

    follow = _regex_list(data.get("follow"), "follow", fail)
    articles = _regex_list(data.get("articles"), "articles", fail)
    if not articles:
        raise fail("articles", "required: at least one regex of document URLs")

    schedule_text = data.get("schedule", "1d")
    if not isinstance(schedule_text, str):
        raise fail("schedule", "must be a string such as '6h' or '0 3 * * *'")
    try:
        schedule = parse_schedule(schedule_text)
    except ValueError as exc:
        raise fail("schedule", str(exc)) from None

    selectors = _selectors(data.get("selectors", {}), fail)
    settings = _site_settings(data.get("settings", {}), fail)
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        raise fail("title", "must be a string")
    render = data.get("render", "auto")
    if render not in RENDER_MODES:
        raise fail("render", f"must be one of {', '.join(RENDER_MODES)}")

    return Profile(
        name=name,
        title=title,
        start_urls=tuple(start_urls),
        allowed_domains=tuple(domains),
        follow=tuple(follow),
        articles=tuple(articles),
        schedule=schedule,
        selectors=selectors,
        settings=settings,
        path=path,
        render=render,
    )


def load_profile(path: str | Path) -> Profile:
    """Read and validate one profile file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    return profile_from_dict(data, path)


def load_profiles(directory: str | Path | None = None) -> dict[str, Profile]:
    """Every `*.toml` profile in the folder, by name; duplicate names are an error."""
    folder = Path(directory) if directory else profiles_dir()
    if not folder.is_dir():
        raise ProfileError(f"{folder}: profiles folder not found")
    profiles: dict[str, Profile] = {}
    for path in sorted(folder.glob("*.toml")):
        profile = load_profile(path)
        if profile.name in profiles:
            other = profiles[profile.name].path
            raise ProfileError(f"{path}: field 'name': {profile.name!r} is also used by {other}")
        profiles[profile.name] = profile
    return profiles


def _str_list(value: Any, fieldname: str, fail: Any, required: bool = False) -> list[str]:
    if value is None:
        if required:
            raise fail(fieldname, "required: a list of strings")
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail(fieldname, "must be a list of non-empty strings")
    if required and not value:
        raise fail(fieldname, "must not be empty")
    return value


def _regex_list(value: Any, fieldname: str, fail: Any) -> list[re.Pattern[str]]:
    out = []
    for text in _str_list(value, fieldname, fail):
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise fail(fieldname, f"bad regex {text!r}: {exc}") from None
    return out


def _selectors(value: Any, fail: Any) -> Selectors:
    if not isinstance(value, dict):
        raise fail("selectors", "must be a table with body, title, date")
    allowed = {"body", "title", "date"}
    for key, sel in value.items():
        if key not in allowed:
            raise fail(f"selectors.{key}", "unknown selector (known: body, title, date)")
        if not isinstance(sel, str) or not sel.strip():
            raise fail(f"selectors.{key}", "must be a non-empty CSS selector")
        try:
            from cssselect import GenericTranslator, SelectorError

            GenericTranslator().css_to_xpath(sel)
        except SelectorError as exc:
            raise fail(f"selectors.{key}", f"invalid CSS selector {sel!r}: {exc}") from None
    return Selectors(**value)


def _site_settings(value: Any, fail: Any) -> SiteSettings:
    if not isinstance(value, dict):
        raise fail("settings", "must be a table")
    for key in value:
        if key not in SETTING_KEYS:
            raise fail(f"settings.{key}", f"unknown (known: {', '.join(sorted(SETTING_KEYS))})")
    delay = value.get("delay", 1.0)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0:
        raise fail("settings.delay", "must be a number of seconds >= 0")
    out: dict[str, Any] = {"delay": float(delay)}
    for key in ("concurrency", "depth", "max_pages", "max_list_pages"):
        if key in value:
            v = value[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise fail(f"settings.{key}", "must be an integer >= 1")
            out[key] = v
    if "timeout" in value:
        timeout = value["timeout"]
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise fail("settings.timeout", "must be a number of seconds > 0")
        out["timeout"] = float(timeout)
    if "private_network" in value:
        if not isinstance(value["private_network"], bool):
            raise fail("settings.private_network", "must be true or false")
        out["private_network"] = value["private_network"]
    return SiteSettings(**out)
