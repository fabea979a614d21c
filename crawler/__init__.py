"""Crawl, clean, describe and archive Chinese health-bureau work documents."""

__version__ = "0.1.0"
