"""Text of Word 97–2003 binary documents (.doc, and .wps from WPS Office), after [MS-DOC].

The file is an OLE compound file (read with olefile). Its WordDocument stream starts with
the FIB, which names the table stream (0Table or 1Table) and where in it the piece table
(Clx) lies. The piece table maps character positions (CPs) to text stored 8-bit (cp1252)
or UTF-16LE in the WordDocument stream; the main document is CPs 0 to ccpText. Paragraph
properties (PAPX pages) tell table cells from table rows, and a row's end mark carries the
row's cell edges and vertical merges (sprmTDefTable), which put every cell in its column.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import itertools
import logging
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import olefile

from crawler.text import tables
from crawler.text.errors import ExtractError, UnsupportedFormat

logger = logging.getLogger(__name__)

WORD_STREAM = "WordDocument"
FIB_IDENT = 0xA5EC  # wIdent of every Word 6 and later FIB
WORD97_NFIB = 0x00C1  # older FIBs (Word 6/95, early WPS) have another layout
F_ENCRYPTED = 0x0100
F_WHICH_TABLE = 0x0200  # set: the table stream is 1Table, else 0Table
FIB_BASE_SIZE = 32
LW_CCP_TEXT = 3  # ccpText: the 4th 32-bit field of FibRgLw97
FCLCB_PAPX = 13  # fcPlcfBtePapx/lcbPlcfBtePapx: the 14th pair of FibRgFcLcb97
FCLCB_CLX = 33  # fcClx/lcbClx: the 34th pair of FibRgFcLcb97

CLXT_PRC = 0x01  # formatting record in the Clx, skipped
CLXT_PCDT = 0x02  # the piece table
PCD_SIZE = 8
FC_COMPRESSED = 0x40000000  # piece is 8-bit text at fc / 2
FC_MASK = 0x3FFFFFFF

FKP_SIZE = 512  # a PAPX page: rgfc, rgbx, properties, and crun in the last byte
MAX_PAPX_PAGES = 10_000  # ~250,000 paragraphs; past this, rows are guessed without them
BX_SIZE = 13  # BxPap: a 1-byte offset (in words) and a 12-byte PHE
PN_MASK = 0x3FFFFF
SPRM_IN_TABLE = 0x2416  # sprmPFInTable
SPRM_ROW_END = 0x2447  # sprmPFTtp: the paragraph is a table row's end mark
SPRM_INNER_CELL = 0x244B  # sprmPFInnerTableCell: a nested table's cell mark
SPRM_INNER_ROW_END = 0x244C  # sprmPFInnerTtp: a nested table's row end mark
SPRM_TDEF_TABLE = 0xD608  # a row's cells: variable operand with a 2-byte size
SPRM_TVERT_MERGE = 0xD62B  # one cell's vertical merge flag: size, cell index, flag
TC80_SIZE = 20  # a cell descriptor in sprmTDefTable: TCGRF flags, width, four borders
VERT_MERGE_SHIFT, VERT_MERGE_MASK = 5, 0x3  # TCGRF.vertMerge
FVM_MERGE = 1  # the cell continues a vertical merge: the merge's first cell holds the text
SPRM_CHG_TABS = 0xC615  # variable operand whose size byte 255 means a long form
SPRA_VARIABLE = 6
SPRA_SIZES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}  # operand bytes by sprm spra

PARAGRAPH_END = "\r"
CELL_END = "\x07"  # a cell's end mark, and also a table row's end mark
FIELD_BEGIN, FIELD_SEPARATOR, FIELD_END = "\x13", "\x14", "\x15"
# Other control characters: breaks become new lines, a tab a space (tabs separate table
# cells), anchors and the rest go.
CONTROLS = {"\t": " ", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-"}
TOKENS = re.compile(r"[\x00-\x1f]|[^\x00-\x1f]+")

# Table flags of a paragraph, from its properties: they decide what its mark becomes.
# A nested table's cells and rows end in paragraph marks (INNER): their text stays in the
# cell of the outer table, as .docx and HTML nested tables do.
IN_TABLE, INNER, ROW = 1, 2, 4
FLAG_SPRMS = {
    SPRM_IN_TABLE: IN_TABLE,
    SPRM_INNER_CELL: INNER,
    SPRM_ROW_END: ROW,
    SPRM_INNER_ROW_END: INNER,
}
# What a paragraph or cell mark ends.
PARAGRAPH, CELL_PARAGRAPH, CELL, TABLE_ROW = "paragraph", "cell paragraph", "cell", "row"


@dataclass(frozen=True)
class Fib:
    """The parts of the File Information Block that text extraction needs."""

    table_stream: str
    ccp_text: int
    clx: tuple[int, int]  # offset and size in the table stream
    papx: tuple[int, int]  # offset and size of the PAPX bin table


@dataclass(frozen=True)
class Piece:
    """A run of consecutive CPs stored contiguously in the WordDocument stream."""

    cp: int
    length: int
    offset: int  # byte offset in the WordDocument stream
    compressed: bool  # 8-bit cp1252 rather than UTF-16LE

    @property
    def width(self) -> int:
        """Bytes per character."""
        return 1 if self.compressed else 2


@dataclass(frozen=True)
class RowLayout:
    """A table row's cell edges (twips, one more than its cells) and each cell's vertical
    merge flag (0 none, FVM_MERGE continues the merge above, 3 starts one): TCGRF.vertMerge."""

    edges: tuple[int, ...]
    merges: tuple[int, ...]

    def fits(self, cells: int) -> bool:
        """Whether this describes a row of `cells` cells."""
        return len(self.merges) == cells

    def placed(self) -> bool:
        """Whether the edges place the cells (they go left to right)."""
        return all(a < b for a, b in itertools.pairwise(self.edges))


@dataclass(frozen=True)
class Run:
    """Decoded text of one piece, with where its first character lies in the stream."""

    text: str
    offset: int
    width: int


def stream_names(body: bytes) -> set[str]:
    """Names of the top-level streams of an OLE compound file; ExtractError if damaged."""
    with _open_ole(body) as ole:
        return {"/".join(path) for path in ole.listdir()}


def read_word(body: bytes, max_chars: int) -> str:
    """The main-document text of a Word 97–2003 file, at most `max_chars` characters.

    Raises UnsupportedFormat for other OLE files, Word 6/95 files and encrypted files, and
    ExtractError for damaged ones.
    """
    with _open_ole(body) as ole:
        if not _is_stream(ole, WORD_STREAM):
            raise UnsupportedFormat("OLE file without a WordDocument stream: not a Word file")
        word = ole.openstream(WORD_STREAM).read()
        fib = parse_fib(word)
        if not _is_stream(ole, fib.table_stream):
            raise ExtractError(f"damaged .doc: the {fib.table_stream} stream is missing")
        table = ole.openstream(fib.table_stream).read()
    plc = _piece_table(_part(table, fib.clx, "piece table"))
    ccp = min(fib.ccp_text, _last_cp(plc))
    if ccp > max_chars:
        logger.warning(".doc text cut at %d of %d characters", max_chars, ccp)
    runs = _runs(word, parse_pieces(plc), min(ccp, max_chars))
    return render(runs, ParagraphMarks.load(word, _part(table, fib.papx, "PAPX table")))


def _open_ole(body: bytes) -> olefile.OleFileIO:
    """An olefile reader over `body` (given as a file: short bytes would pass as a path)."""
    try:
        return olefile.OleFileIO(io.BytesIO(body))
    except Exception as exc:  # olefile raises OSError, struct.error, IndexError… on bad input
        raise ExtractError(f"damaged OLE compound file: {exc}") from exc


def _is_stream(ole: olefile.OleFileIO, name: str) -> bool:
    return ole.get_type(name) == olefile.STGTY_STREAM


def parse_fib(word: bytes) -> Fib:
    """Read the FIB at the start of a WordDocument stream."""
    if len(word) < FIB_BASE_SIZE + 2:
        raise ExtractError("damaged .doc: the WordDocument stream is too short for a FIB")
    ident, nfib = struct.unpack_from("<HH", word, 0)
    (flags,) = struct.unpack_from("<H", word, 10)
    if ident != FIB_IDENT:
        raise UnsupportedFormat(f"not a Word 97–2003 document (FIB signature {ident:#06x})")
    if nfib < WORD97_NFIB:
        raise UnsupportedFormat(
            f"Word 6/95 or older .doc/.wps format (nFib {nfib:#x}) is not supported"
        )
    if flags & F_ENCRYPTED:
        raise UnsupportedFormat("encrypted .doc, cannot read its text")
    lw_at, fclcb_at = _fib_arrays(word)
    (ccp_text,) = struct.unpack_from("<i", word, lw_at + 4 * LW_CCP_TEXT)

    def pair(index: int) -> tuple[int, int]:
        return struct.unpack_from("<II", word, fclcb_at + 8 * index)

    return Fib(
        table_stream="1Table" if flags & F_WHICH_TABLE else "0Table",
        ccp_text=max(ccp_text, 0),
        clx=pair(FCLCB_CLX),
        papx=pair(FCLCB_PAPX),
    )


def _fib_arrays(word: bytes) -> tuple[int, int]:
    """Offsets of FibRgLw and FibRgFcLcb. FibBase is followed by three arrays, each after
    its count: FibRgW (16-bit), FibRgLw (32-bit) and FibRgFcLcb (pairs of 32-bit)."""
    pos = FIB_BASE_SIZE
    arrays = []
    for item_size in (2, 4, 8):
        if pos + 2 > len(word):
            raise ExtractError("damaged .doc: the FIB is truncated")
        (count,) = struct.unpack_from("<H", word, pos)
        arrays.append((pos + 2, count))
        pos += 2 + item_size * count
    (lw_at, lw_count), (fclcb_at, fclcb_count) = arrays[1:]
    if lw_count <= LW_CCP_TEXT or fclcb_count <= FCLCB_CLX or pos > len(word):
        raise ExtractError("damaged .doc: the FIB is truncated")
    return lw_at, fclcb_at


def _part(stream: bytes, where: tuple[int, int], name: str) -> bytes:
    """The bytes at (offset, size) of the table stream; ExtractError if out of bounds."""
    offset, size = where
    if offset + size > len(stream):
        raise ExtractError(f"damaged .doc: the {name} lies outside the table stream")
    return stream[offset : offset + size]


def _piece_table(clx: bytes) -> bytes:
    """The PlcPcd inside a Clx, after skipping the Prc formatting records before it."""
    pos = 0
    while pos + 5 <= len(clx):
        if clx[pos] == CLXT_PRC:
            (size,) = struct.unpack_from("<H", clx, pos + 1)
            pos += 3 + size
        elif clx[pos] == CLXT_PCDT:
            (size,) = struct.unpack_from("<I", clx, pos + 1)
            if pos + 5 + size > len(clx):
                raise ExtractError("damaged .doc: the piece table is truncated")
            return clx[pos + 5 : pos + 5 + size]
        else:
            break
    raise ExtractError("damaged .doc: no piece table")


def _piece_count(plc: bytes) -> int:
    """How many pieces a PlcPcd (n+1 CPs, then n 8-byte piece descriptors) holds."""
    count, rest = divmod(len(plc) - 4, 4 + PCD_SIZE)
    if count < 1 or rest:
        raise ExtractError(f"damaged .doc: a piece table of {len(plc)} bytes")
    return count


def _last_cp(plc: bytes) -> int:
    """The CP where the last piece ends."""
    (cp,) = struct.unpack_from("<I", plc, 4 * _piece_count(plc))
    return cp


def parse_pieces(plc: bytes) -> Iterator[Piece]:
    """The pieces of a PlcPcd, in CP order (read as needed: a table may hold millions)."""
    count = _piece_count(plc)
    for index in range(count):
        start, end = struct.unpack_from("<II", plc, 4 * index)
        _, fc, _ = struct.unpack_from("<HIH", plc, 4 * (count + 1) + PCD_SIZE * index)
        if end < start:
            raise ExtractError("damaged .doc: the piece table is out of order")
        compressed = bool(fc & FC_COMPRESSED)
        offset = (fc & FC_MASK) // 2 if compressed else fc & FC_MASK
        yield Piece(start, end - start, offset, compressed)


def _runs(word: bytes, pieces: Iterator[Piece], ccp: int) -> Iterator[Run]:
    """Decoded text of the pieces, in CP order, up to CP `ccp`."""
    for piece in pieces:
        if piece.cp >= ccp:
            break
        length = min(piece.length, ccp - piece.cp)
        if length <= 0:
            continue
        raw = word[piece.offset : piece.offset + length * piece.width]
        if len(raw) != length * piece.width:
            raise ExtractError("damaged .doc: a piece of text lies outside the WordDocument")
        text = decode_8bit(raw) if piece.compressed else raw.decode("utf-16-le", "replace")
        yield Run(text, piece.offset, piece.width)


def _cp1252_table() -> dict[int, str]:
    """Latin-1 code points 0x80–0x9F that cp1252 maps elsewhere (the rest stay as they are)."""
    table = {}
    for byte in range(0x80, 0xA0):
        with contextlib.suppress(UnicodeDecodeError):
            table[byte] = bytes([byte]).decode("cp1252")
    return table


CP1252 = _cp1252_table()


def decode_8bit(raw: bytes) -> str:
    """Text of a compressed piece: cp1252, with its five undefined bytes kept as they are."""
    return raw.decode("latin-1").translate(CP1252)


class ParagraphMarks:
    """Table properties of paragraphs by file offset (FC), from the PAPX pages (FKPs)."""

    def __init__(self, spans: list[tuple[int, int, int, RowLayout | None]]) -> None:
        spans.sort(key=lambda span: span[0])
        self._starts = [start for start, _, _, _ in spans]
        self._ends = [end for _, end, _, _ in spans]
        self._flags = [flags for _, _, flags, _ in spans]
        self._layouts = {index: span[3] for index, span in enumerate(spans) if span[3]}

    @classmethod
    def load(cls, word: bytes, bin_table: bytes) -> ParagraphMarks:
        """Read every PAPX page the bin table (PlcBtePapx) points to."""
        count, rest = divmod(len(bin_table) - 4, 8)
        if count < 1 or rest:
            return cls([])
        pns = {pn & PN_MASK for pn in struct.unpack_from(f"<{count}I", bin_table, 4 * (count + 1))}
        if len(pns) > MAX_PAPX_PAGES:
            logger.warning(".doc with %d paragraph pages: table rows guessed", len(pns))
            return cls([])
        spans = []
        for pn in pns:
            start = pn * FKP_SIZE
            page = word[start : start + FKP_SIZE]
            if len(page) != FKP_SIZE:
                raise ExtractError("damaged .doc: a paragraph page lies outside the document")
            spans.extend(_fkp_spans(page))
        return cls(spans)

    def _index(self, fc: int) -> int | None:
        index = bisect.bisect_right(self._starts, fc) - 1
        if index < 0 or fc >= self._ends[index]:
            return None
        return index

    def flags(self, fc: int) -> int | None:
        """The table flags of the paragraph holding byte `fc`; None if nothing is known."""
        index = self._index(fc)
        return None if index is None else self._flags[index]

    def layout(self, fc: int) -> RowLayout | None:
        """The row layout a row end mark at byte `fc` carries, if any."""
        index = self._index(fc)
        return None if index is None else self._layouts.get(index)


def _fkp_spans(page: bytes) -> Iterator[tuple[int, int, int, RowLayout | None]]:
    """(first FC, end FC, table flags, row layout) of each paragraph on a PAPX page."""
    crun = page[FKP_SIZE - 1]
    bx_at = 4 * (crun + 1)
    if bx_at + BX_SIZE * crun > FKP_SIZE - 1:
        raise ExtractError(f"damaged .doc: a paragraph page claims {crun} paragraphs")
    rgfc = struct.unpack_from(f"<{crun + 1}I", page)
    for index in range(crun):
        papx_at = 2 * page[bx_at + BX_SIZE * index]
        flags, layout = _papx_properties(page, papx_at) if papx_at else (0, None)
        yield rgfc[index], rgfc[index + 1], flags, layout


def _papx_properties(page: bytes, at: int) -> tuple[int, RowLayout | None]:
    """Table flags and row layout from the sprms of a PapxInFkp (size, style, sprms)."""
    cb = page[at]
    start, size = (at + 1, 2 * cb - 1) if cb else (at + 2, 2 * page[at + 1])
    return paragraph_properties(page[start + 2 : start + size])


def paragraph_properties(grpprl: bytes) -> tuple[int, RowLayout | None]:
    """IN_TABLE, INNER and ROW flags, and the row layout a row end carries, from a list of
    paragraph sprms (unknown ones skipped)."""
    flags = 0
    layout = None
    merges: dict[int, int] = {}  # sprmTVertMerge: cell index -> flag
    pos = 0
    while pos + 2 <= len(grpprl):
        (sprm,) = struct.unpack_from("<H", grpprl, pos)
        pos += 2
        if sprm in FLAG_SPRMS and pos < len(grpprl) and grpprl[pos]:
            flags |= FLAG_SPRMS[sprm]
        size = _operand_size(sprm, grpprl, pos)
        if size is None:
            break
        if sprm == SPRM_TDEF_TABLE:
            layout = _row_layout(grpprl[pos + 2 : pos + size])
        elif sprm == SPRM_TVERT_MERGE and size == 3 and pos + 3 <= len(grpprl):
            merges[grpprl[pos + 1]] = grpprl[pos + 2] & VERT_MERGE_MASK
        pos += size
    if layout and merges:
        merged = [merges.get(cell, merge) for cell, merge in enumerate(layout.merges)]
        layout = RowLayout(layout.edges, tuple(merged))
    return flags, layout


def _row_layout(operand: bytes) -> RowLayout | None:
    """A TDefTableOperand after its size: the cell count, the cell edges, then a TC80 per
    cell (fewer when the size says so; the missing ones have no merge)."""
    if not operand:
        return None
    cells = operand[0]
    edges_end = 1 + 2 * (cells + 1)
    if len(operand) < edges_end:
        return None
    edges = struct.unpack_from(f"<{cells + 1}h", operand, 1)
    merges = []
    for cell in range(cells):
        at = edges_end + TC80_SIZE * cell
        tcgrf = struct.unpack_from("<H", operand, at)[0] if at + 2 <= len(operand) else 0
        merges.append(tcgrf >> VERT_MERGE_SHIFT & VERT_MERGE_MASK)
    return RowLayout(edges, tuple(merges))


def _operand_size(sprm: int, grpprl: bytes, pos: int) -> int | None:
    """Bytes of the operand at `pos`; None where it cannot be told (stop reading)."""
    spra = sprm >> 13
    if spra != SPRA_VARIABLE:
        return SPRA_SIZES[spra]
    if sprm == SPRM_TDEF_TABLE and pos + 2 <= len(grpprl):
        (cb,) = struct.unpack_from("<H", grpprl, pos)
        return cb + 1
    if pos >= len(grpprl) or sprm == SPRM_TDEF_TABLE:
        return None
    if sprm == SPRM_CHG_TABS and grpprl[pos] == 255:
        return None
    return 1 + grpprl[pos]


def render(runs: Iterator[Run], marks: ParagraphMarks) -> str:
    """Plain text from Word's characters: a line per paragraph and per table row (cells
    tab-separated in their columns, crawler/text/tables.py), fields as their results.

    A field is FIELD_BEGIN instructions [FIELD_SEPARATOR result] FIELD_END, and may nest:
    only the results are kept.
    """
    text = _Text()
    open_fields: list[bool] = []  # per open field: has its result started?
    hidden = 0  # open fields still in their instructions
    previous = ""
    for run in runs:
        for match in TOKENS.finditer(run.text):
            token = match.group()
            if token == FIELD_BEGIN:
                open_fields.append(False)
                hidden += 1
            elif token == FIELD_SEPARATOR and open_fields and not open_fields[-1]:
                open_fields[-1] = True
                hidden -= 1
            elif token == FIELD_END and open_fields:
                if not open_fields.pop():  # ended without a result
                    hidden -= 1
            elif hidden:
                continue
            elif token in (PARAGRAPH_END, CELL_END):
                fc = run.offset + match.start() * run.width
                ends = _mark_kind(token, marks.flags(fc), previous)
                text.end(ends, marks.layout(fc) if ends == TABLE_ROW else None)
            elif len(token) == 1 and token < " ":
                text.add(CONTROLS.get(token, ""))
            else:
                text.add(token)
            previous = token
    return text.finish()


def _mark_kind(mark: str, flags: int | None, previous: str) -> str:
    """What a paragraph or cell mark ends: a paragraph, a paragraph in a cell, a cell, a row."""
    if flags is None:  # no paragraph properties: a doubled cell mark ends a row
        if mark == PARAGRAPH_END:
            return PARAGRAPH
        return TABLE_ROW if previous == CELL_END else CELL
    if flags & INNER:
        return CELL_PARAGRAPH
    if flags & ROW:
        return TABLE_ROW
    if mark == CELL_END:
        return CELL
    return CELL_PARAGRAPH if flags & IN_TABLE else PARAGRAPH


class _Text:
    """The lines of a document as its marks come, a table's rows gathered till it ends."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.words: list[str] = []  # the paragraph being read
        self.cell: list[str] = []  # paragraphs of the cell being read
        self.row: list[list[str]] = []  # cells of the row being read
        self.table: list[tuple[list[list[str]], RowLayout | None]] = []

    def add(self, chunk: str) -> None:
        self.words.append(chunk)

    def end(self, kind: str, layout: RowLayout | None = None) -> None:
        """A mark ending a paragraph, a paragraph in a cell, a cell or a row."""
        paragraph = "".join(self.words)
        self.words = []
        if kind == PARAGRAPH:
            self._end_table()
            self.lines.append(paragraph)
            return
        self.cell.append(paragraph)
        if kind in (CELL, TABLE_ROW) and (kind == CELL or any(self.cell)):
            self.row.append(self.cell)  # (a row end's own empty paragraph is no cell)
        if kind != CELL_PARAGRAPH:
            self.cell = []
        if kind == TABLE_ROW:
            self.table.append((self.row, layout))
            self.row = []

    def finish(self) -> str:
        """The text, once the marks have all come."""
        if self.row or self.cell:  # cut inside a table
            self.end(TABLE_ROW)
        if self.words:
            self.end(PARAGRAPH)
        self._end_table()
        return "\n".join(self.lines)

    def _end_table(self) -> None:
        if self.row or self.cell:  # a row without its end mark
            self.end(TABLE_ROW)
        if self.table:
            self.lines.extend(table_lines(self.table))
            self.table = []


def table_lines(rows: list[tuple[list[list[str]], RowLayout | None]]) -> list[str]:
    """A table's lines: a row each, cells tab-separated in their columns, for a data table;
    the paragraphs of its cells for one that lays out the page (a single cell, or a cell
    longer than tables.MAX_CELL), as crawler/text/tables.py does for HTML."""
    cells = [cell for row, _ in rows for cell in row]
    if len(cells) == 1 or any(len(_cell_text(cell)) > tables.MAX_CELL for cell in cells):
        return [paragraph for cell in cells for paragraph in cell if paragraph.strip()]
    return tables.render([row for row in _grid(rows) if any(row)])


def _cell_text(cell: list[str]) -> str:
    """A cell's paragraphs on one line."""
    return " ".join(" ".join(cell).split())


def _grid(rows: list[tuple[list[list[str]], RowLayout | None]]) -> list[list[str]]:
    """Cell texts by column. Where rows carry their layout, a cell goes to the column whose
    edge is nearest its own (the columns of the row with the most cells), so a cell
    spanning columns is followed by empty ones, and a cell continuing a vertical merge
    (stored empty) repeats the merge's first cell; elsewhere cells stay in order."""
    fitting = [layout for row, layout in rows if layout and layout.fits(len(row))]
    grid_edges = max((layout.edges for layout in fitting if layout.placed()), key=len, default=())
    grid: list[list[str]] = []
    above: dict[int, str] = {}  # column -> text of the previous row's cell starting there
    for row, layout in rows:
        known = layout if layout and layout.fits(len(row)) else None
        values: list[str] = []
        starts: dict[int, str] = {}
        for index, cell in enumerate(row):
            column = len(values)
            if known and known.placed() and len(grid_edges) > 1:
                column = max(column, _nearest(grid_edges[:-1], known.edges[index]))
            values += [""] * (column - len(values))
            text = _cell_text(cell)
            if known and known.merges[index] == FVM_MERGE:
                text = above.get(column, text)
            starts[column] = text
            values.append(text)
        above = starts
        grid.append(values)
    return grid


def _nearest(edges: tuple[int, ...], edge: int) -> int:
    """The index of the edge nearest `edge`."""
    return min(range(len(edges)), key=lambda index: abs(edges[index] - edge))
