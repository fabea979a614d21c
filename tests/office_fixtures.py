"""Build small Word 97–2003 (.doc/.wps) files for tests, since none can be shipped or made here.

`compound_file` writes an OLE compound file (CFB version 3, 512-byte sectors; every stream
is padded to 4096 bytes so no mini stream is needed). `word_file` puts in it a WordDocument
stream (a Word 97 FIB, the text, one PAPX page per few paragraphs) and a table stream (a Clx
with one formatting record and the piece table, then the PAPX bin table).

Text is given as pieces; in it, "\\x07" ends a table cell, ROW_END ends a table row and
CELL_BREAK is a paragraph break inside a cell (both are written as Word writes them). A
row's end mark carries its cell layout (`row_layout`: cell edges and vertical merges).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

SECTOR = 512
MIN_STREAM = 4096  # the mini-stream cutoff: larger streams live in ordinary sectors
ENDOFCHAIN, FATSECT, FREESECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RED, BLACK = 0, 1

ROW_END = "\U000f0000"  # stands for a row's end mark, written as "\x07"
CELL_BREAK = "\U000f0001"  # stands for a paragraph mark inside a cell, written as "\r"

FIB_SIZE = 900  # FibBase, 14 FibRgW, 22 FibRgLw, 93 FibRgFcLcb pairs, cswNew
TEXT_AT = 1024  # where the text starts in the WordDocument stream
FKP_RUNS = 20  # paragraphs per PAPX page (at most 29 fit), fewer when their PAPXs are big
SPRM_IN_TABLE, SPRM_TTP, SPRM_TDEF_TABLE = 0x2416, 0x2447, 0xD608
FVM_MERGE, FVM_RESTART = 1, 3  # TCGRF.vertMerge: continues the merge above, starts one


def table(rows: list[list[str]]) -> str:
    """Word's text for a table: each cell ends in a cell mark, each row in a row mark."""
    return "".join("".join(cell + "\x07" for cell in row) + ROW_END for row in rows)


@dataclass(frozen=True)
class Piece:
    """Text stored as one piece: 8-bit cp1252 ("compressed") or UTF-16LE."""

    text: str
    compressed: bool = False

    def encoded(self) -> bytes:
        text = self.text.replace(ROW_END, "\x07").replace(CELL_BREAK, "\r")
        return text.encode("cp1252") if self.compressed else text.encode("utf-16-le")


def word_file(
    pieces: list[Piece | str],
    *,
    after_text: str = "",
    encrypted: bool = False,
    nfib: int = 0x00C1,
    table_stream: str = "1Table",
    paragraph_properties: bool = True,
    rows: list[bytes] | None = None,
) -> bytes:
    """A .doc whose main text is the pieces in order.

    The pieces are stored back to front in the stream, so only a reader that follows the
    piece table gets them in order. `after_text` is one more piece past ccpText, where
    footnotes and headers live. `rows` are the layouts (`row_layout`) of the table rows in
    order; rows past them get a two-cell layout with no edges.
    """
    main = [p if isinstance(p, Piece) else Piece(p) for p in pieces]
    ccp_text = sum(len(p.text) for p in main)
    every = [*main, Piece(after_text)] if after_text else main
    offsets, text_bytes = _place_text(every)
    pages_at = _whole_sectors(TEXT_AT + len(text_bytes))
    fkps, bin_table = _paragraph_pages(every, offsets, pages_at, iter(rows or []))
    clx = _clx(every, offsets)
    table_data = clx + bin_table
    papx_where = (len(clx), len(bin_table) if paragraph_properties else 0)
    fib = _fib(
        ccp_text=ccp_text,
        clx=(0, len(clx)),
        papx=papx_where,
        flags=(0x0200 if table_stream == "1Table" else 0) | (0x0100 if encrypted else 0),
        nfib=nfib,
    )
    body = fib.ljust(TEXT_AT, b"\0") + text_bytes
    body = body.ljust(_whole_sectors(len(body)), b"\0") + fkps
    return compound_file({"WordDocument": body, table_stream: table_data})


def _whole_sectors(size: int) -> int:
    """`size` rounded up to a multiple of the sector size."""
    return -(-size // SECTOR) * SECTOR


def _place_text(pieces: list[Piece]) -> tuple[list[int], bytes]:
    """Byte offsets of the pieces' text in the WordDocument stream (stored back to front)."""
    offsets = [0] * len(pieces)
    data = b""
    for index in reversed(range(len(pieces))):
        if not pieces[index].compressed and (TEXT_AT + len(data)) % 2:
            data += b"\0"
        offsets[index] = TEXT_AT + len(data)
        data += pieces[index].encoded()
    return offsets, data


def _clx(pieces: list[Piece], offsets: list[int]) -> bytes:
    """A Prc formatting record (skipped by readers) and the Pcdt piece table."""
    prc = b"\x01" + struct.pack("<H", 2) + b"\0\0"
    cps = [0]
    for piece in pieces:
        cps.append(cps[-1] + len(piece.text))
    pcds = b"".join(
        struct.pack("<HIH", 0, 0x40000000 | 2 * offset if piece.compressed else offset, 0)
        for piece, offset in zip(pieces, offsets, strict=True)
    )
    plc = struct.pack(f"<{len(cps)}I", *cps) + pcds
    return prc + b"\x02" + struct.pack("<I", len(plc)) + plc


def _paragraph_pages(
    pieces: list[Piece], offsets: list[int], pages_at: int, rows: Iterator[bytes]
) -> tuple[bytes, bytes]:
    """PAPX pages covering every paragraph mark (table marks get table sprms, a row's end
    its layout), and the PlcBtePapx bin table pointing to them."""
    marks = []  # (FC, bytes per character, sprms) of each paragraph mark
    for piece, offset in zip(pieces, offsets, strict=True):
        width = 1 if piece.compressed else 2
        for index, char in enumerate(piece.text):
            sprms = _mark_sprms(char, rows)
            if sprms is not None:
                marks.append((offset + index * width, width, sprms))
    spans, start = [], TEXT_AT  # a paragraph runs from the previous mark to its own
    for fc, width, sprms in sorted(marks):
        spans.append((start, fc + width, sprms))
        start = fc + width
    chunks = _page_chunks(spans)
    pages = b"".join(_fkp(chunk) for chunk in chunks)
    first_pn = pages_at // SECTOR
    fcs = [chunk[0][0] for chunk in chunks] + [chunks[-1][-1][1]] if chunks else [0]
    bin_table = struct.pack(f"<{len(fcs)}I", *fcs)
    bin_table += struct.pack(f"<{len(chunks)}I", *range(first_pn, first_pn + len(chunks)))
    return pages, bin_table


def _page_chunks(spans: list[tuple[int, int, bytes]]) -> list[list[tuple[int, int, bytes]]]:
    """The paragraphs split into PAPX pages: FKP_RUNS a page, or fewer when they fill it."""
    chunks: list[list[tuple[int, int, bytes]]] = []
    for span in spans:
        if not chunks or len(chunks[-1]) == FKP_RUNS or _fkp_size([*chunks[-1], span]) > SECTOR:
            chunks.append([])
        chunks[-1].append(span)
    return chunks


def _fkp_size(spans: list[tuple[int, int, bytes]]) -> int:
    """Bytes a PAPX page holding these paragraphs needs."""
    papxs = {sprms for _, _, sprms in spans if sprms}
    size = 4 * (len(spans) + 1) + 13 * len(spans) + 1
    return size + sum(len(_papx_in_fkp(b"\0\0" + sprms)) + 1 for sprms in papxs)


def _mark_sprms(char: str, rows: Iterator[bytes]) -> bytes | None:
    """The paragraph sprms of a mark character; None for characters that end no paragraph."""
    in_table = struct.pack("<HB", SPRM_IN_TABLE, 1)
    if char == ROW_END:  # real row ends carry the row's cell layout before the TTP flag
        layout = next(rows, None) or _tdef_table(2, [0, 0, 0], [0, 0])
        return in_table + layout + struct.pack("<HB", SPRM_TTP, 1)
    if char in ("\x07", CELL_BREAK):
        return in_table
    return b"" if char == "\r" else None


def row_layout(edges: list[int], merges: list[int] | None = None) -> bytes:
    """A row's layout: its cells' edges in twips (one more than its cells) and each cell's
    vertical merge (0, FVM_MERGE or FVM_RESTART), as a sprmTDefTable."""
    return _tdef_table(len(edges) - 1, edges, merges or [0] * (len(edges) - 1))


def _tdef_table(columns: int, edges: list[int], merges: list[int]) -> bytes:
    """A sprmTDefTable: a 2-byte size, then the column count, edges and cell descriptors
    (TC80: TCGRF flags with vertMerge at bit 5, width, four borders)."""
    cells = b"".join(struct.pack("<H", merge << 5) + b"\0" * 18 for merge in merges)
    operand = bytes([columns]) + struct.pack(f"<{len(edges)}h", *edges) + cells
    return struct.pack("<HH", SPRM_TDEF_TABLE, len(operand) + 1) + operand


def _fkp(spans: list[tuple[int, int, bytes]]) -> bytes:
    """A 512-byte PAPX page: rgfc, rgbx, PapxInFkp structures from the end, crun last."""
    page = bytearray(SECTOR)
    rgfc = [start for start, _, _ in spans] + [spans[-1][1]]
    struct.pack_into(f"<{len(rgfc)}I", page, 0, *rgfc)
    placed: dict[bytes, int] = {}  # paragraphs with the same properties share one PAPX
    free = SECTOR - 1
    for index, (_, _, sprms) in enumerate(spans):
        if not sprms:
            continue  # bOffset 0: default paragraph properties
        if sprms not in placed:
            papx = _papx_in_fkp(b"\0\0" + sprms)  # istd 0, then the sprms
            free = (free - len(papx)) // 2 * 2
            page[free : free + len(papx)] = papx
            placed[sprms] = free
        page[4 * len(rgfc) + 13 * index] = placed[sprms] // 2
    assert free >= 4 * len(rgfc) + 13 * len(spans), "PAPX page overflow"
    page[SECTOR - 1] = len(spans)
    return bytes(page)


def _papx_in_fkp(grpprl_and_istd: bytes) -> bytes:
    """cb then the data: an odd size is 2*cb-1 bytes; an even one has cb 0 and a second cb."""
    size = len(grpprl_and_istd)
    if size % 2:
        return bytes([(size + 1) // 2]) + grpprl_and_istd
    return bytes([0, size // 2]) + grpprl_and_istd


def _fib(
    *, ccp_text: int, clx: tuple[int, int], papx: tuple[int, int], flags: int, nfib: int
) -> bytes:
    """A Word 97 File Information Block with the fields readers need."""
    base = struct.pack("<HHHHHHH", 0xA5EC, nfib, 0, 0x0804, 0, flags | 0x1000, 0xBF)  # fExtChar
    base = base.ljust(32, b"\0")
    rg_w = struct.pack("<H", 14) + b"\0" * 28
    rg_lw = [0] * 22
    rg_lw[0], rg_lw[3] = TEXT_AT + 2 * ccp_text, ccp_text  # cbMac, ccpText
    pairs = [(0, 0)] * 93
    pairs[13], pairs[33] = papx, clx  # fcPlcfBtePapx, fcClx
    rg_fclcb = struct.pack("<H", 93) + b"".join(struct.pack("<II", *p) for p in pairs)
    fib = base + rg_w + struct.pack("<H22I", 22, *rg_lw) + rg_fclcb + struct.pack("<H", 0)
    assert len(fib) == FIB_SIZE
    return fib


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An OLE compound file (CFB v3) holding `streams` at its root."""
    sizes = [max(len(data), MIN_STREAM) for data in streams.values()]  # padded with zeros
    datas = [
        data.ljust(_whole_sectors(size), b"\0")
        for data, size in zip(streams.values(), sizes, strict=True)
    ]
    starts, sector = [], 0
    for data in datas:
        starts.append(sector)
        sector += len(data) // SECTOR
    directory = _directory(list(streams), sizes, starts)
    dir_start = sector
    dir_sectors = len(directory) // SECTOR
    fat_sectors = 1
    while (dir_start + dir_sectors + fat_sectors) > fat_sectors * (SECTOR // 4):
        fat_sectors += 1
    fat: list[int] = []
    for data in datas:
        count = len(data) // SECTOR
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
    fat += [dir_start + i + 1 for i in range(dir_sectors - 1)] + [ENDOFCHAIN]
    fat += [FATSECT] * fat_sectors
    fat_start = len(fat) - fat_sectors
    fat += [FREESECT] * (fat_sectors * SECTOR // 4 - len(fat))
    difat = [fat_start + i for i in range(fat_sectors)] + [FREESECT] * (109 - fat_sectors)
    header = (
        SIGNATURE
        + b"\0" * 16
        + struct.pack(
            "<HHHHH6sIIIIIIIII109I",
            0x003E,  # minor version
            0x0003,  # major version 3: 512-byte sectors
            0xFFFE,  # byte order mark
            9,  # sector shift: 2**9 = 512
            6,  # mini sector shift
            b"\0" * 6,
            0,  # directory sectors (always 0 in version 3)
            fat_sectors,
            dir_start,
            0,  # transaction signature
            MIN_STREAM,
            ENDOFCHAIN,  # no mini FAT
            0,
            ENDOFCHAIN,  # no DIFAT sectors
            0,
            *difat,
        )
    )
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    return header + b"".join(datas) + directory + fat_bytes


def _directory(names: list[str], sizes: list[int], starts: list[int]) -> bytes:
    """The root entry and one stream entry per name, siblings in a red-black tree."""
    order = sorted(range(len(names)), key=lambda i: (len(names[i]), names[i].upper()))
    links: dict[int, tuple[int, int, int]] = {}  # entry id -> (left, right, colour)
    deepest = len(names).bit_length() - 1  # depth of the lowest level of a balanced tree
    full = len(names) == 2 ** (deepest + 1) - 1  # else its lowest level is red

    def build(items: list[int], depth: int) -> int:
        if not items:
            return NOSTREAM
        middle = len(items) // 2
        entry = items[middle] + 1  # entry 0 is the root
        left, right = build(items[:middle], depth + 1), build(items[middle + 1 :], depth + 1)
        links[entry] = (left, right, RED if depth == deepest and not full else BLACK)
        return entry

    child = build(order, 0)
    entries = [_dir_entry("Root Entry", 5, NOSTREAM, NOSTREAM, child, BLACK, ENDOFCHAIN, 0)]
    for index, name in enumerate(names):
        left, right, colour = links[index + 1]
        entries.append(
            _dir_entry(name, 2, left, right, NOSTREAM, colour, starts[index], sizes[index])
        )
    unused = _dir_entry("", 0, NOSTREAM, NOSTREAM, NOSTREAM, RED, 0, 0)
    entries += [unused] * (-len(entries) % (SECTOR // 128))
    return b"".join(entries)


def _dir_entry(
    name: str, kind: int, left: int, right: int, child: int, colour: int, start: int, size: int
) -> bytes:
    """A 128-byte directory entry."""
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(encoded), kind, colour, left, right, child)
        + b"\0" * 16  # CLSID
        + struct.pack("<IQQIQ", 0, 0, 0, start, size)
    )


# PDFs: text placed where a word processor would put it, in a CJK font readers decode
# without an embedded font (Adobe's STSong-Light, UTF-16 character codes): Chinese
# characters one em wide, ASCII half an em.

PDF_FONT = (
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H"
    b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
    b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >>"
    b" /DW 1000 /W [32 126 500] >>] >>"
)


def text_width(text: str, size: float) -> float:
    """Points `text` takes in PDF_FONT at `size` points."""
    return sum(size / 2 if " " <= char <= "~" else size for char in text)


@dataclass(frozen=True)
class Text:
    """A string drawn with its baseline starting at (x, y) points, in `size` points."""

    x: float
    y: float
    text: str
    size: float = 10.5


def pdf_file(pages: list[list[Text]]) -> bytes:
    """A PDF whose pages show the texts, offsets computed so readers accept it."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(count))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count))
    font = 3 + 2 * count
    for index, texts in enumerate(pages):
        stream = b"\n".join(
            b"BT /F1 %g Tf 1 0 0 1 %g %g Tm <%s> Tj ET"
            % (t.size, t.x, t.y, t.text.encode("utf-16-be").hex().encode())
            for t in texts
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font, 4 + 2 * index)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(PDF_FONT)
    return pdf_body(objects)


def pdf_body(objects: list[bytes]) -> bytes:
    """The objects numbered from 1, with a cross-reference table and trailer."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out
