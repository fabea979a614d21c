"""Hanweb (大汉) JCMS column lists.

A column page's list comes from its data proxy: `POST /module/web/jpage/dataproxy.jsp?
startrecord=1&endrecord=45&perpage=15` with form fields (`col`, `appid`, `webid`, `path`,
`columnid`, `sourceContentType`, `unitid`, `webname`, `permissiontype`) that the page's
script names. The answer is XML: `<datastore><recordset><record><![CDATA[<li><a href=…>…]]>
</record>…`, often with `<totalrecord>`. Some column pages carry the first records in a
`<script type="text/xml">` datastore of the same form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from spiders.discovery.found import DiscoveryError, Found
from spiders.discovery.page import Page

FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname",
          "permissiontype")  # fmt: skip
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
MAX_RECORDS = 20_000  # records asked of one column at most

_PROXY = re.compile(r"""['"]?([^'"\s]*?/dataproxy\.jsp)""", re.IGNORECASE)
_DATASTORE = re.compile(r"<(?:record|datastore)", re.IGNORECASE | re.ASCII)
_RECORD = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.I)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.IGNORECASE)


def _value(scripts: str, name: str) -> str | None:
    """`name: 4021`, `name = '4021'`, `"name": "4021"` or `name=4021&` in the scripts."""
    match = re.search(
        rf"""(?<![\w$]){name}['"]?\s*[:=]\s*(?:'([^']*)'|"([^"]*)"|([^\s,;&}}'")]+))""",
        scripts,
    )
    if match is None:
        return None
    return next(g for g in match.groups() if g is not None)


def proxy(page: Page) -> Iterator[Found]:
    """The data proxy request of a column page whose script names one."""
    scripts = "\n".join(page.scripts)
    if "dataproxy.jsp" not in scripts.lower():
        return
    found = _PROXY.search(scripts)
    path = found.group(1) if found else DEFAULT_PROXY
    form = {name: value for name in FIELDS if (value := _value(scripts, name)) is not None}
    if "columnid" not in form:
        raise DiscoveryError("hanweb-proxy", "the page names a dataproxy.jsp but no columnid")
    per_page = int(_value(scripts, "perpage") or _value(scripts, "perPage") or 15)
    group = int(_value(scripts, "groupSize") or _value(scripts, "groupsize") or 3)
    total = _value(scripts, "totalRecord") or _value(scripts, "totalrecord")
    size = max(1, per_page) * max(1, group)
    last = min(int(total), MAX_RECORDS) if total and total.isdigit() else size
    fields = tuple(form.items())
    for start in range(1, last + 1, size):
        query = urlencode(
            {"startrecord": start, "endrecord": start + size - 1, "perpage": per_page}
        )
        yield Found(page.absolute(f"{path}?{query}"), "hanweb-proxy", list=True, form=fields)


def records(page: Page) -> Iterator[Found]:
    """The links of a datastore's records (a data proxy's answer, or a `text/xml` script),
    and the next range of records when this answer was a full one."""
    if not _DATASTORE.search(page.text):
        return
    count = 0
    for fragment in _RECORD.findall(page.text):
        count += 1
        try:
            element = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (etree.ParserError, ValueError):
            continue
        for a in element.iter("a"):
            href = (a.get("href") or "").strip()
            if href and not href.lower().startswith(("javascript:", "#")):
                text = " ".join(a.text_content().split()) or a.get("title")
                yield Found(page.absolute(href), "hanweb-records", text)
    if page.form and count:
        yield from _next_range(page, count)


def _next_range(page: Page, count: int) -> Iterator[Found]:
    parts = urlsplit(page.url)
    query = dict(parse_qsl(parts.query))
    try:
        start, end = int(query["startrecord"]), int(query["endrecord"])
    except (KeyError, ValueError):
        return
    total = _TOTAL.search(page.text)
    more = end < int(total.group(1)) if total else count >= end - start + 1
    if not more or end >= MAX_RECORDS:
        return
    query.update(startrecord=str(end + 1), endrecord=str(2 * end - start + 1))
    url = urlunsplit(parts._replace(query=urlencode(query)))
    yield Found(url, "hanweb-proxy", list=True, form=page.form)
