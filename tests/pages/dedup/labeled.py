"""Build the labeled near-duplicate set from labeled.toml: reports, their copies, true clusters.

Every copy is made by a chain of edits the way the sites make them: converted to
traditional script, cut short as a preview, figures changed, site chrome left in,
paragraphs reordered or dropped, hard-wrapped, garbled, synonym-spun. Each edit draws its
randomness from the copy's id, so the set is the same on every run.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from opencc import OpenCC

from crawler.text.quality_flags import garbled_share, is_truncated

HERE = Path(__file__).resolve().parent
SAMPLE_TEXTS = HERE.parents[2] / "crawler" / "sample_site" / "texts"

CHROME = {
    "fanwen": [
        "本文由青藤范文网会员上传，仅供学习参考。",
        "更多工作总结范文，请关注本站工作总结栏目。",
        "以上就是小编为大家整理的卫生健康局工作总结，希望对你有所帮助。",
        "专业材料代写，请加微信：qt2021",
    ],
    "wenku": [
        "此文档由用户上传，如有侵权请联系删除。",
        "本文档共3页，当前为第1页。",
        "下载文档到电脑，查找使用更方便。",
        "还剩2页未读，继续阅读",
    ],
    "bureau": ["来源：区卫生健康局", "【打印本页】【关闭窗口】", "扫一扫在手机打开当前页"],
    "tw": ["本文轉載自網路，版權歸原作者所有。", "更多精彩文章請關注健康文萃網。"],
}
REPOST_HOSTS = {
    "fanwen": "www.qtfanwen.cn",
    "wenku": "wenku.qianhe.com",
    "bureau": "www.jkxx-info.com",
    "tw": "www.jkwencui.com.tw",
}
SPUN = [("服务", "效劳"), ("基础", "根底"), ("发展", "开展"), ("扎实推进", "结实推进"),
        ("广大", "宽阔"), ("明显", "较着"), ("巩固", "稳固"), ("创建", "创立")]  # fmt: skip


@dataclass
class Copy:
    """One document of the labeled set."""

    id: str
    cluster: str
    title: str
    text: str
    fields: dict[str, Any]
    url: str
    fetched_at: str
    edits: str = ""
    original: bool = False


@dataclass
class Body:
    """A text being edited: paragraphs, and flags the edits set."""

    paras: list[str]
    title: str
    cut: bool = False
    spun: bool = False
    site: str | None = None
    extra: list[str] = field(default_factory=list)


@cache
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def _s2t(body: Body, rng: random.Random, arg: str) -> None:
    body.paras = [_converter("s2tw").convert(p) for p in body.paras]
    body.title = _converter("s2tw").convert(body.title)


def _truncate(body: Body, rng: random.Random, arg: str) -> None:
    """A preview: the first `arg` share of the characters, cut inside a sentence."""
    total = sum(len(p) for p in body.paras)
    keep = int(total * float(arg))
    out: list[str] = []
    for p in body.paras:
        if keep <= 0:
            break
        if len(p) <= keep:
            out.append(p)
            keep -= len(p)
            continue
        cut = p[:keep]
        comma = max(cut.rfind("，"), cut.rfind("、"))
        out.append(cut[: comma + 1] if comma > len(cut) // 2 else cut)
        break
    body.paras, body.cut = out, True


def _prefix(body: Body, rng: random.Random, arg: str) -> None:
    """The first paragraphs holding about `arg` of the text, ending on a full paragraph."""
    total = sum(len(p) for p in body.paras)
    out: list[str] = []
    for p in body.paras:
        out.append(p)
        if sum(len(q) for q in out) >= total * float(arg):
            break
    body.paras = out


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _figures(body: Body, rng: random.Random, arg: str) -> None:
    """Change `arg` figures (not years) by a few percent, as a later revision does."""
    spots = [
        (i, m)
        for i, p in enumerate(body.paras)
        for m in _NUMBER.finditer(p)
        if not re.fullmatch(r"20\d\d", m.group()) and p[m.end() : m.end() + 1] != "年"
    ]
    for i, m in sorted(rng.sample(spots, min(int(arg), len(spots))), key=lambda s: -s[1].start()):
        old = m.group()
        if "." in old:
            new = f"{float(old) * rng.uniform(0.9, 1.1):.{len(old.split('.')[1])}f}"
        else:
            new = str(max(1, int(int(old) * rng.uniform(0.8, 1.2)) + rng.choice((1, 2, 3))))
        p = body.paras[i]
        body.paras[i] = p[: m.start()] + new + p[m.end() :]


def _chrome(body: Body, rng: random.Random, arg: str) -> None:
    """Chrome lines the cleaner left: one at the top, one inside, one at the bottom."""
    lines = rng.sample(CHROME[arg], min(3, len(CHROME[arg])))
    body.paras.insert(0, lines[0])
    if len(lines) > 1:
        body.paras.insert(rng.randrange(2, max(3, len(body.paras))), lines[1])
    body.paras.extend(lines[2:])
    body.site = arg


def _reorder(body: Body, rng: random.Random, arg: str) -> None:
    """Two sections (or two paragraphs) swapped, as a repost that rearranged the text."""
    heads = [i for i, p in enumerate(body.paras) if re.match(r"^[一二三四五六七八九十]+、", p)]
    if len(heads) >= 3:
        a, b = heads[0], heads[1]
        first, second = body.paras[a:b], body.paras[b : heads[2]]
        body.paras[a : heads[2]] = second + first
    elif len(body.paras) >= 3:
        i = rng.randrange(1, len(body.paras) - 1)
        body.paras[i], body.paras[i + 1] = body.paras[i + 1], body.paras[i]


def _drop(body: Body, rng: random.Random, arg: str) -> None:
    """One paragraph left out (not the first)."""
    if len(body.paras) > 1:
        del body.paras[rng.randrange(1, len(body.paras))]


def _title(body: Body, rng: random.Random, arg: str) -> None:
    """The title repeated as the first line of the text."""
    body.paras.insert(0, body.title)


def _garble(body: Body, rng: random.Random, arg: str) -> None:
    """A share `arg` of the characters lost to encoding errors."""
    text = "\n".join(body.paras)
    chars = list(text)
    spots = [i for i, ch in enumerate(chars) if "\u4e00" <= ch <= "\u9fff"]
    for i in rng.sample(spots, int(len(chars) * float(arg))):
        chars[i] = rng.choice(("\ufffd", "?", "锟斤拷"))
    body.paras = "".join(chars).split("\n")


def _spun(body: Body, rng: random.Random, arg: str) -> None:
    """A synonym-spun copy, as document farms make them (服务 -> 效劳)."""
    for normal, spun in SPUN:
        body.paras = [p.replace(normal, spun) for p in body.paras]
    body.spun = True


def _wrap(body: Body, rng: random.Random, arg: str) -> None:
    """Hard-wrapped at a fixed width, as a PDF layout leaves it."""
    width = rng.choice((28, 33, 38))
    body.paras = [p[i : i + width] for p in body.paras for i in range(0, len(p), width)]


EDITS: dict[str, Callable[[Body, random.Random, str], None]] = {
    "s2t": _s2t,
    "truncate": _truncate,
    "prefix": _prefix,
    "figures": _figures,
    "chrome": _chrome,
    "reorder": _reorder,
    "drop": _drop,
    "title": _title,
    "garble": _garble,
    "spun": _spun,
    "wrap": _wrap,
}


def _read(name: str) -> tuple[str, list[str]]:
    path = (
        SAMPLE_TEXTS / f"{name[7:]}.txt"
        if name.startswith("sample:")
        else HERE / "texts" / f"{name}.txt"
    )
    lines = [ln.strip() for ln in path.read_text("utf-8").splitlines() if ln.strip()]
    return lines[0], lines[1:]


def _fill(lines: list[str], place: str, year: int, rng: random.Random) -> list[str]:
    """A 范文 template filled in by one county: names, the year, and a figure for every xx."""
    out = []
    for line in lines:
        line = re.sub(r"xx(?=[县区])", place[:-1], line)
        line = line.replace("20xx", str(year)).replace("健康xx", "健康" + place[:-1])
        line = re.sub(r"xx", lambda m: str(rng.randint(2, 95)), line)
        out.append(line)
    return out


def load(path: Path = HERE / "labeled.toml") -> list[Copy]:
    """Every document of the labeled set, in a fixed shuffled order (arrival order)."""
    copies: list[Copy] = []
    for report in tomllib.loads(path.read_text("utf-8"))["report"]:
        title, paras = _read(report["text"])
        if "fill" in report:
            fill = report["fill"]
            title, *paras = _fill(
                [title, *paras], fill["place"], fill["year"], random.Random(report["id"])
            )
        fields = {
            "title": title,
            "region": report.get("region"),
            "year": report.get("year"),
            "is_template": int(report.get("is_template", False)),
        }
        for index, edits in enumerate(["", *report.get("variants", [])]):
            copy_id = f"{report['id']}/{index}"
            rng = random.Random(copy_id)
            body = Body(list(paras), title)
            for edit in filter(None, (e.strip() for e in edits.split("+"))):
                name, _, arg = edit.partition(" ")
                EDITS[name](body, rng, arg)
            text = "\n".join(body.paras)
            host = report["host"] if index == 0 else REPOST_HOSTS[body.site or "fanwen"]
            copies.append(
                Copy(
                    id=copy_id,
                    cluster=report["id"],
                    title=body.title,
                    text=text,
                    fields={
                        **fields,
                        "title": body.title,
                        "truncated": int(is_truncated(text, cut_marker=body.cut)),
                        "garbled": garbled_share(text),
                        "spun": int(body.spun),
                    },
                    url=f"https://{host}/art/{copy_id.replace('/', '-')}.html",
                    fetched_at=f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00Z",
                    edits=edits,
                    original=index == 0,
                )
            )
    random.Random("arrival").shuffle(copies)
    return copies
