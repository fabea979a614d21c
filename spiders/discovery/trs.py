"""TRS WCM pagination, written only by a script: `createPageHTML(3, 0, "index", "html")`
gives `index.html`, `index_1.html`, `index_2.html`; the variants name an element first
(`createPageHTML('page_div', 10, 1, 'list_zw_wj', 'shtml', 278)`) or pass variables
(`createPageHTML(countPage, currentPage, "index", "htm")` after `var countPage = 5`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from spiders.discovery.found import DiscoveryError, Found
from spiders.discovery.page import Page

_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_ARG = re.compile(r"""\s*(?:(-?\d+)|'([^']*)'|"([^"]*)"|([A-Za-z_$][\w$.]*))\s*(?:,|$)""")


def _arguments(text: str, variables: dict[str, str]) -> list[int | str]:
    """The call's arguments: numbers as int, strings as str, variables by their value."""
    args: list[int | str] = []
    for match in _ARG.finditer(text):
        number, single, double, name = match.groups()
        if name is not None:
            value = variables.get(name, "")
        else:
            value = number if number is not None else single if single is not None else double
        args.append(int(value) if re.fullmatch(r"-?\d+", value or "") else value or "")
    return args


def pagination(page: Page) -> Iterator[Found]:
    """Every page of a TRS list whose pagination a script writes."""
    calls = [c for script in page.scripts for c in _CALL.findall(script)]
    if not calls:
        return
    variables = page.values
    seen: set[str] = set()
    for call in calls:
        args = _arguments(call, variables)
        numbers = [i for i, a in enumerate(args) if isinstance(a, int)]
        if not numbers:
            raise DiscoveryError("trs-pages", f"createPageHTML({call}): no page count")
        count = args[numbers[0]]
        names = [a for a in args[numbers[0] + 1 :] if isinstance(a, str) and a]
        if len(names) < 2 or not isinstance(count, int):
            raise DiscoveryError("trs-pages", f"createPageHTML({call}): no file name and type")
        prefix, ext = names[0], names[1]
        for n in range(min(max(count, 0), page.max_list_pages)):
            name = f"{prefix}.{ext}" if n == 0 else f"{prefix}_{n}.{ext}"
            url = page.absolute(name)  # beside the list's index page
            if url not in seen:
                seen.add(url)
                yield Found(url, "trs-pages", list=True)
