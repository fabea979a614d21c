"""Crawling on many machines: scrapy-redis workers, one ingester next to the archive.

`crawler seed` puts a crawl's start requests in Redis, `crawler worker` crawls from the
shared queue (scrapy-redis scheduler and dupefilter, leases for the requests in flight, a
fleet-wide per-site rate limit) and pushes items to Redis, `crawler ingest` archives them
with the same code as a local crawl (`crawler.archiving`). Key names: `keys.py`.
"""
