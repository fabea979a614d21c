"""What a seeded crawl is, as the seeder writes it to `fleet:crawls` and workers read it.

A crawl is a site profile (its file's data, so workers need no profile files) or ad-hoc
URLs. On the wire it is the same JSON object as ever: `{"kind": "profile", "source",
"profile"}` or `{"kind": "urls", "source", "urls", "depth", ["private_network"]}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from crawler.errors import ProfileError

__all__ = ["BadCrawlSpec", "CrawlSpec"]


class BadCrawlSpec(ProfileError):
    """A crawl spec in Redis that no version of the seeder wrote."""


@dataclass(frozen=True)
class CrawlSpec:
    """One seeded crawl: a profile's data, or URLs with a depth."""

    kind: Literal["profile", "urls"]
    source: str
    profile: dict[str, Any] = field(default_factory=dict)  # the profile file's data
    urls: tuple[str, ...] = ()
    depth: int = 0  # links deep from the start pages (ad-hoc crawls); 0: the default
    private_network: bool = False

    @classmethod
    def of_profile(cls, source: str, data: dict[str, Any]) -> CrawlSpec:
        return cls("profile", source, profile=data)

    @classmethod
    def of_urls(
        cls, source: str, urls: list[str], depth: int, *, private_network: bool = False
    ) -> CrawlSpec:
        return cls("urls", source, urls=tuple(urls), depth=depth, private_network=private_network)

    def to_json(self) -> str:
        data: dict[str, Any] = {"kind": self.kind, "source": self.source}
        if self.kind == "profile":
            data["profile"] = self.profile
        else:
            data |= {"urls": list(self.urls), "depth": self.depth}
            if self.private_network:
                data["private_network"] = True
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> CrawlSpec:
        """The spec of a `fleet:crawls` value; BadCrawlSpec naming what is wrong."""
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BadCrawlSpec(f"crawl spec is not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("kind") not in ("profile", "urls"):
            raise BadCrawlSpec(f"crawl spec of no known kind: {str(raw)[:80]}")
        source = data.get("source")
        if not isinstance(source, str) or not source:
            raise BadCrawlSpec("crawl spec without a source")
        if data["kind"] == "profile":
            if not isinstance(data.get("profile"), dict):
                raise BadCrawlSpec(f"crawl spec of {source}: profile data missing")
            return cls.of_profile(source, data["profile"])
        urls = data.get("urls")
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
            raise BadCrawlSpec(f"crawl spec of {source}: urls must be a list of URLs")
        return cls.of_urls(
            source, urls, int(data.get("depth") or 0),
            private_network=bool(data.get("private_network")),
        )  # fmt: skip
