"""The workers' item pipeline: every item goes to the fleet's item list in Redis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy_redis.pipelines import RedisPipeline

from crawler.fleet import item_codec


@dataclass
class FleetItem:
    """An item with the crawl it belongs to (the ingester files it under that crawl's run)."""

    crawl: str
    item: item_codec.Item


class ItemPusher(RedisPipeline):
    """scrapy-redis's RedisPipeline with the fleet's item codec, pushing synchronously so
    an item is in Redis before its request's lease is released."""

    def process_item(self, item: Any) -> Any:  # type: ignore[override]
        if isinstance(item, FleetItem):
            self.server.rpush(self.key, item_codec.encode(item.crawl, item.item))
        return item
