"""A spider loader that adds one spider per site profile to the project's own spiders."""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoader

from spiders.profile_spider import spider_for
from spiders.profiles import load_profiles


class ProfileSpiderLoader(SpiderLoader):
    """`scrapy list` and `scrapy crawl <site>` see every profile in `$CRAWLER_PROFILES`."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        for name, profile in load_profiles(settings.get("CRAWLER_PROFILES")).items():
            if name in self._spiders:
                raise KeyError(f"profile {name!r} clashes with a built-in spider")
            self._spiders[name] = spider_for(profile)
