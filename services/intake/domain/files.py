"""Bulk files from regional client-information systems, read into intake items.

A file is CSV the way Finnish systems and Excel export it (UTF-8 with or without a BOM,
Windows-1252, or UTF-16 with a BOM as Excel's "Unicode text" writes it; ``;``, ``,`` or tab;
English, Finnish or Swedish column names; Finnish dates and decimal commas; Finnish and Swedish
value words for every coded column (:data:`VALUE_WORDS`); one-digit region codes) or NDJSON with
the API's own field names, in UTF-8 only. UTF-32, UTF-16 without a byte order mark (told by its
NUL bytes) and UTF-16 NDJSON are refused as a whole, naming the encoding. :func:`read_items` turns
either into the dicts the JSON API would have received, one per row, and leaves validation to the
item schemas.

The rows describe child-welfare clients, so no message made here ever contains a cell's value:
a row error says the row number, the field and a fixed text; a file error names columns only.

A CSV record is one physical line: **a cell cannot contain a line break** (no field of these tables
can hold one: they are codes, ids, dates and numbers). A quote left open at the end of its line is
therefore a broken quote, reported as that row's error, and reading resumes at the next line; so
every line of the file has its result and a stray quote never swallows the rows after it.

Reading streams: the file is read in chunks and decoded incrementally, so memory stays flat however
many rows there are.
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Final, Literal, get_args

from shared.reference.regions import regions

Kind = Literal["referral", "participation", "outcome"]
Format = Literal["csv", "ndjson"]
Value = str | int | float | bool | None
Item = dict[str, Value]

#: A physical line longer than this is not an export of these tables; holding it would let one
#: broken file take the memory that streaming is meant to keep flat.
MAX_LINE_CHARS: Final = 1 << 20

_UTF8_BOM: Final = codecs.BOM_UTF8
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS: Final = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
#: How many bytes of a file's start decide its encoding family (BOM, or NUL bytes for BOM-less
#: UTF-16), unless the file is shorter.
_SNIFF_BYTES: Final = 64


class FileFormatError(ValueError):
    """The whole file cannot be read (no header, unknown or duplicate or missing required columns, empty file). Message names columns, never values."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that cannot become an item; the rest of the file is still read.

    ``row`` is the 1-based physical line number, in CSV (where a record is one line; a header on
    the first line is row 1, so the first data row is 2) and NDJSON alike. ``field`` is the
    canonical field name, or None for a problem with the whole row. ``message`` is a fixed text
    and never contains a cell's value.
    """

    row: int
    field: str | None
    message: str


# --- Columns -------------------------------------------------------------------------------------

_COMMON: Final = (
    "source_system",
    "source_id",
    "pilot_id",
    "personal_identity_code",
    "client_system",
    "client_id",
)
FIELDS: Final[dict[str, frozenset[str]]] = {
    "referral": frozenset(
        (
            *_COMMON,
            "birth_date",
            "birth_year_month",
            "gender",
            "home_region",
            "referring_organisation_type",
            "reason",
            "referred_on",
        )
    ),
    "participation": frozenset(
        (
            *_COMMON,
            "case_id",
            "activity_id",
            "occurred_at",
            "duration_minutes",
            "attendance",
            "kind",
        )
    ),
    "outcome": frozenset((*_COMMON, "case_id", "instrument", "value", "time_point", "measured_on")),
}
REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "referral": ("source_system", "source_id", "pilot_id", "gender", "home_region"),
    "participation": (
        "source_system",
        "source_id",
        "pilot_id",
        "activity_id",
        "occurred_at",
        "attendance",
        "kind",
    ),
    "outcome": ("source_system", "source_id", "pilot_id", "instrument", "value", "time_point"),
}
_ALL_FIELDS: Final = frozenset().union(*FIELDS.values())

_FOLD_LETTERS: Final = str.maketrans({"ä": "a", "ö": "o", "å": "a", "\ufeff": None})
_SEPARATORS: Final = re.compile(r"[\s\-_]+")


def _fold(text: str) -> str:
    """The comparison form of a column name or value word: case, Finnish letters and the choice
    of space, hyphen or underscore do not matter, because exports differ in all of them."""
    return _SEPARATORS.sub("_", text.strip().casefold().translate(_FOLD_LETTERS)).strip("_")


_FINNISH_COLUMNS: Final = {
    "lähdejärjestelmä": "source_system",
    "lähdetunniste": "source_id",
    "pilotti": "pilot_id",
    "pilotin_tunniste": "pilot_id",
    "henkilötunnus": "personal_identity_code",
    "hetu": "personal_identity_code",
    "asiakasjärjestelmä": "client_system",
    "asiakasnumero": "client_id",
    "asiakastunniste": "client_id",
    "tapaus": "case_id",
    "tapauksen_tunniste": "case_id",
    "syntymäaika": "birth_date",
    "syntymäkuukausi": "birth_year_month",
    "sukupuoli": "gender",
    "kotialue": "home_region",
    "hyvinvointialue": "home_region",
    "lähettävä_organisaatio": "referring_organisation_type",
    "lähettäjän_tyyppi": "referring_organisation_type",
    "lähettämisen_syy": "reason",
    "syy": "reason",
    "lähetyspäivä": "referred_on",
    "toiminto": "activity_id",
    "toiminta": "activity_id",
    "ajankohta": "occurred_at",
    "kesto_min": "duration_minutes",
    "kesto_minuutteina": "duration_minutes",
    "läsnäolo": "attendance",
    "osallistumisen_laji": "kind",
    "laji": "kind",
    "mittari": "instrument",
    "arvo": "value",
    "mittausajankohta": "time_point",
    "mittauspäivä": "measured_on",
}
_SWEDISH_COLUMNS: Final = {
    "källsystem": "source_system",
    "källid": "source_id",
    "källidentifierare": "source_id",
    "pilot": "pilot_id",
    "personbeteckning": "personal_identity_code",
    "klientsystem": "client_system",
    "klientnummer": "client_id",
    "klientid": "client_id",
    "ärende": "case_id",
    "ärendets_id": "case_id",
    "födelsedatum": "birth_date",
    "födelsemånad": "birth_year_month",
    "kön": "gender",
    "hemregion": "home_region",
    "välfärdsområde": "home_region",
    "remitterande_organisation": "referring_organisation_type",
    "remittentens_typ": "referring_organisation_type",
    "remissorsak": "reason",
    "orsak": "reason",
    "remissdatum": "referred_on",
    "aktivitet": "activity_id",
    "tidpunkt": "occurred_at",
    "längd_min": "duration_minutes",
    "längd_i_minuter": "duration_minutes",
    "närvaro": "attendance",
    "deltagandeform": "kind",
    "typ_av_deltagande": "kind",
    "mätare": "instrument",
    "värde": "value",
    "mättidpunkt": "time_point",
    "mätdatum": "measured_on",
}
_COLUMN_NAMES: Final = {
    _fold(name): field for name, field in (_FINNISH_COLUMNS | _SWEDISH_COLUMNS).items()
} | {field: field for field in _ALL_FIELDS}

# An unknown header cell is named in the error only if it looks like a column name. Digits or
# great length suggest a data row (no header at all), whose cells must not be echoed.
_NAMEABLE: Final = re.compile(r"[^\W\d_](?:[^\W\d]|[ \-().]){0,39}")


# --- Values --------------------------------------------------------------------------------------

Words = tuple[tuple[str, ...], tuple[str, ...]]

#: Each region's short name, Finnish and Swedish ("Pirkanmaa", not "Pirkanmaan hyvinvointialue").
_REGION_NAMES: Final = {
    "01": ("Itä-Uusimaa", "Östra Nyland"),
    "02": ("Keski-Uusimaa", "Mellersta Nyland"),
    "03": ("Länsi-Uusimaa", "Västra Nyland"),
    "04": ("Vantaa ja Kerava", "Vanda och Kervo"),
    "05": ("Varsinais-Suomi", "Egentliga Finland"),
    "06": ("Satakunta", "Satakunta"),
    "07": ("Kanta-Häme", "Egentliga Tavastland"),
    "08": ("Pirkanmaa", "Birkaland"),
    "09": ("Päijät-Häme", "Päijänne-Tavastland"),
    "10": ("Kymenlaakso", "Kymmenedalen"),
    "11": ("Etelä-Karjala", "Södra Karelen"),
    "12": ("Etelä-Savo", "Södra Savolax"),
    "13": ("Pohjois-Savo", "Norra Savolax"),
    "14": ("Pohjois-Karjala", "Norra Karelen"),
    "15": ("Keski-Suomi", "Mellersta Finland"),
    "16": ("Etelä-Pohjanmaa", "Södra Österbotten"),
    "17": ("Pohjanmaa", "Österbotten"),
    "18": ("Keski-Pohjanmaa", "Mellersta Österbotten"),
    "19": ("Pohjois-Pohjanmaa", "Norra Österbotten"),
    "20": ("Kainuu", "Kajanaland"),
    "21": ("Lappi", "Lappland"),
    "90": ("Helsinki", "Helsingfors"),
    "91": ("Ahvenanmaa", "Åland"),
}

#: The words a CSV may use for the values of each coded column, by API value: (Finnish words,
#: Swedish words). They are compared folded (see :func:`_fold`: case, ä/ö/å and the choice of space,
#: hyphen or underscore do not matter); the API's own values and anything else pass unchanged, for
#: the schema to judge. Within a column no word means two values. The README lists them all.
VALUE_WORDS: Final[dict[str, dict[str, Words]]] = {
    "gender": {
        "female": (("nainen", "tyttö"), ("kvinna", "flicka")),
        "male": (("mies", "poika"), ("man", "pojke")),
        "non_binary": (("muu", "ei-binäärinen", "muunsukupuolinen"), ("icke-binär", "annat")),
        "unknown": (("ei tiedossa", "tuntematon"), ("okänd", "uppgift saknas")),
    },
    "attendance": {
        "attended": (("osallistui", "läsnä"), ("deltog", "närvarande")),
        "absent": (("poissa", "ei osallistunut"), ("frånvarande", "deltog inte")),
        "cancelled": (("peruttu", "peruutettu"), ("inställd", "inställt")),
    },
    "time_point": {
        "baseline": (("alku", "lähtötilanne", "alkumittaus"), ("utgångsläge", "början")),
        "interim": (("väli", "välimittaus"), ("mellanmätning",)),
        "follow_up": (("seuranta", "seurantamittaus"), ("uppföljning",)),
    },
    "kind": {
        "service": (("palvelu",), ("tjänst",)),
        "culture": (("kulttuuri",), ("kultur",)),
        "sports": (("liikunta", "urheilu"), ("idrott", "motion")),
        "guided_leisure": (
            ("ohjattu vapaa-aika", "ohjattu vapaa-ajan toiminta"),
            ("handledd fritid", "handledd fritidsverksamhet"),
        ),
        "co_development": (
            ("yhteiskehittäminen", "kokemusasiantuntijuus"),
            ("samutveckling", "erfarenhetsexpertis"),
        ),
        "feedback": (("palaute",), ("respons", "återkoppling")),
        "being_heard": (("kuulluksi tuleminen", "kuuleminen"), ("att bli hörd", "hörande")),
    },
    "referring_organisation_type": {
        "child_welfare": (("lastensuojelu",), ("barnskydd",)),
        "school": (("koulu", "oppilaitos"), ("skola", "läroanstalt")),
        "health_care": (
            ("terveydenhuolto", "terveyspalvelut"),
            ("hälso- och sjukvård", "hälsovård"),
        ),
        "youth_services": (("nuorisopalvelut", "nuorisotyö"), ("ungdomstjänster", "ungdomsarbete")),
        "police": (("poliisi",), ("polis",)),
        "state_reform_school": (("koulukoti",), ("skolhem",)),
        "ngo": (("järjestö",), ("organisation", "förening")),
        "family": (("perhe", "huoltaja"), ("familj", "vårdnadshavare")),
        "self": (("itse", "nuori itse"), ("själv",)),
        "other": (("muu",), ("annan", "annat")),
    },
    "reason": {
        "family_situation": (("perhetilanne",), ("familjesituation",)),
        "mental_health": (("mielenterveys",), ("psykisk hälsa",)),
        "substance_use": (
            ("päihteet", "päihteiden käyttö"),
            ("rusmedelsbruk", "rusmedel", "missbruk"),
        ),
        "school_attendance": (("koulunkäynti", "koulupoissaolot"), ("skolgång", "skolfrånvaro")),
        "crime_or_risk_of_crime": (("rikos", "rikollisuus"), ("brott", "brottslighet")),
        "aftercare": (("jälkihuolto",), ("eftervård",)),
        "placement": (("sijoitus",), ("placering",)),
        "other": (("muu",), ("annan", "annat")),
    },
    # Each region by its short name and by its official one (shared/reference/regions.csv).
    "home_region": {
        code: (
            tuple(dict.fromkeys((_REGION_NAMES[code][0], region.name_fi))),
            tuple(dict.fromkeys((_REGION_NAMES[code][1], region.name_sv))),
        )
        for code, region in regions().items()
    },
}

# re.ASCII: \d would otherwise also take e.g. Arabic-Indic digits, which no export writes.
_FI_DATE: Final = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", re.ASCII)
_FI_MONTH: Final = re.compile(r"(\d{1,2})[./](\d{4})", re.ASCII)
# Finnish writes times with a colon or, traditionally, a dot (14.30); both come out of Excel.
_FI_DATETIME: Final = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?", re.ASCII
)
_DECIMAL_COMMA: Final = re.compile(r"[+-]?\d*,\d+", re.ASCII)


def _words(field: str, extra: dict[str, str] | None = None) -> Callable[[str], str]:
    table: dict[str, str] = {}
    for value, languages in VALUE_WORDS[field].items():
        for word in itertools.chain(*languages):
            if table.setdefault(_fold(word), value) != value:
                raise ValueError(
                    f"{field}: {word!r} would mean both {table[_fold(word)]} and {value}"
                )
    table |= extra or {}

    # These columns hold a handful of distinct words, so a small cache saves folding every cell.
    @functools.lru_cache(maxsize=256)
    def convert(cell: str) -> str:
        # English (API) values and anything unknown pass unchanged: the schema judges them.
        return table.get(_fold(cell), cell)

    return convert


#: Excel reads a region code as a number and drops its leading zero: 8 is 08.
_ONE_DIGIT_REGIONS: Final = {str(n): f"{n:02}" for n in range(1, 10)}


def _date(cell: str) -> str:
    match = _FI_DATE.fullmatch(cell)
    if match is None:
        return cell
    day, month, year = match.groups()
    return f"{year}-{month:0>2}-{day:0>2}"


def _year_month(cell: str) -> str:
    match = _FI_MONTH.fullmatch(cell)
    if match is None:
        return cell
    month, year = match.groups()
    return f"{year}-{month:0>2}"


def _date_time(cell: str) -> str:
    match = _FI_DATETIME.fullmatch(cell)
    if match is None:
        return cell
    day, month, year, hour, minute, second = match.groups()
    return f"{year}-{month:0>2}-{day:0>2}T{hour:0>2}:{minute}:{second or '00'}"


def _decimal(cell: str) -> str:
    return cell.replace(",", ".") if _DECIMAL_COMMA.fullmatch(cell) else cell


_CONVERTERS: Final[dict[str, Callable[[str], str]]] = {
    **{field: _words(field) for field in VALUE_WORDS if field != "home_region"},
    "home_region": _words("home_region", _ONE_DIGIT_REGIONS),
    "birth_date": _date,
    "referred_on": _date,
    "measured_on": _date,
    "birth_year_month": _year_month,
    "occurred_at": _date_time,
    "value": _decimal,
    "duration_minutes": _decimal,
}


# --- Public entry point --------------------------------------------------------------------------


def read_items(
    stream: BinaryIO, kind: Kind, fmt: Format, chunk_size: int = 1 << 16
) -> Iterator[tuple[int, Item | RowError]]:
    """Yield (row number, item) or (row number, RowError), streaming: memory stays flat whatever the file size (a 1,000,000-row file must not be held in memory; read the stream in chunks).

    The header (CSV) or the first non-blank line (NDJSON) is read at once, so a
    :class:`FileFormatError` for an unreadable file is raised by this call, before any row is
    yielded. The rows are read as the returned iterator is consumed; the only error it raises is
    FileFormatError for a CSV line over :data:`MAX_LINE_CHARS`, after which nothing more can be
    read. Rows that are empty (or contain only empty cells) are skipped but still counted in row
    numbers. Every other line yields exactly one result.

    CSV items carry strings with Finnish dates, decimal commas and value words converted to the
    API's forms; NDJSON items are the JSON objects as they are.
    """
    if kind not in get_args(Kind):
        raise ValueError(f"unknown item kind {kind!r}")
    if fmt not in get_args(Format):
        raise ValueError(f"unknown file format {fmt!r}")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    chunks = _chunks(stream, chunk_size)
    if fmt == "csv":
        return _read_csv(chunks, kind)
    return _read_ndjson(chunks)


def _chunks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    # A raw stream may return fewer bytes than asked for; only b"" means the end.
    while chunk := stream.read(size):
        yield chunk


# --- CSV -----------------------------------------------------------------------------------------

_ESCAPED_BYTE: Final = re.compile("[\udc80-\udcff]")
_NON_ASCII: Final = re.compile(rb"[\x80-\xff]")
_NON_ASCII_TEXT: Final = re.compile("[^\x00-\x7f]")
_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_OTHER_LINE_BREAKS: Final = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _wide_encoding(start: bytes) -> str | None:
    """The encoding the first bytes of a file show, if it is not an 8-bit one: "UTF-32" or
    "UTF-16" by a byte order mark, or "UTF-16 without a byte order mark" if at least a quarter of
    the bytes are NUL (ASCII text in UTF-16 is half NUL bytes; 8-bit text has none)."""
    if start.startswith(_UTF32_BOMS):  # before UTF-16: FF FE 00 00 begins with FF FE
        return "UTF-32"
    if start.startswith(_UTF16_BOMS):
        return "UTF-16"
    head = start[:1024]
    if head and head.count(0) * 4 >= len(head):
        return "UTF-16 without a byte order mark"
    return None


def _escape_undecodable(error: UnicodeError) -> tuple[str, int]:
    # What surrogateescape does for UTF-8, for UTF-16 too: it cannot escape bytes below 0x80, and a
    # broken UTF-16 code unit has one. A lone surrogate marks the row as not valid text.
    assert isinstance(error, UnicodeDecodeError)
    return "\udcff" * (error.end - error.start), error.end


_ESCAPE_ERRORS: Final = "turvaverkko.intake.files.escape"
codecs.register_error(_ESCAPE_ERRORS, _escape_undecodable)


class _SniffingDecoder:
    """Decodes UTF-8 (with or without a BOM), Windows-1252, or UTF-16 with a BOM (Excel's
    "Unicode text"), whichever the bytes are.

    UTF-16 is known by its BOM in the first bytes; UTF-32, or text that looks like UTF-16 without a
    BOM (many NUL bytes), is refused as a whole (:class:`FileFormatError`): guessing its byte order
    would be a guess, and read as 8-bit text it would match no column name.

    The choice is made at the first bytes that tell the two apart: a BOM, or else the first chunk
    with a non-ASCII byte (allowing for a character cut at the chunk's end). Until then the text is
    ASCII, which both read alike, so an export whose early rows happen to be plain ASCII is still
    recognised. The chunk is UTF-8 if more of its non-ASCII characters decode as UTF-8 than not:
    Windows-1252 text (ä = 0xE4 followed by a letter) almost never forms a valid UTF-8 sequence,
    while requiring the whole chunk to be valid would let one damaged row turn a UTF-8 file into
    mojibake. Bytes that do not decode come out as lone surrogates (``surrogateescape``): valid
    text never contains those, so a row with them is exactly a row with undecodable bytes, and a
    real U+FFFD in the file is not mistaken for one.
    """

    def __init__(self) -> None:
        self._decoder: codecs.IncrementalDecoder | None = None
        self._held = b""
        self._at_start = True
        self.encoding_name = "UTF-8"

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._decoder is not None:
            return self._decoder.decode(data, final)
        data = self._held + data
        self._held = b""
        if self._at_start:
            if len(data) < _SNIFF_BYTES and not final:
                self._held = data  # too short to tell a BOM or NUL bytes yet
                return ""
            self._at_start = False
            if data.startswith(_UTF8_BOM):
                return self._commit("utf-8-sig", data, final)
            wide = _wide_encoding(data)
            if wide == "UTF-16":
                return self._commit("utf-16", data, final)
            if wide is not None:
                raise FileFormatError(
                    f"The file is {wide}, which cannot be read: save it as UTF-8 (CSV UTF-8), "
                    "or as UTF-16 with a byte order mark (Excel's Unicode text)."
                )
        non_ascii = _NON_ASCII.search(data)
        if non_ascii is None:
            return data.decode("ascii")
        first = non_ascii.start()
        ascii_part, rest = data[:first].decode("ascii"), data[first:]
        decoded = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(rest, final)
        if not decoded:
            # Only the start of a multibyte character so far: the next chunk decides.
            self._held = rest
            return ascii_part
        invalid = len(_ESCAPED_BYTE.findall(decoded))
        valid = len(_NON_ASCII_TEXT.findall(decoded)) - invalid
        return ascii_part + self._commit("utf-8" if valid > invalid else "cp1252", rest, final)

    def _commit(self, encoding: str, data: bytes, final: bool) -> str:
        errors = _ESCAPE_ERRORS if encoding == "utf-16" else "surrogateescape"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors=errors)
        self.encoding_name = _ENCODING_NAMES[encoding]
        return self._decoder.decode(data, final)


_ENCODING_NAMES: Final = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "cp1252": "Windows-1252",
    "utf-16": "UTF-16",
}


def _text_lines(chunks: Iterable[bytes], decoder: _SniffingDecoder) -> Iterator[str]:
    """Physical lines with their endings (``\\r\\n``, ``\\n`` or a lone ``\\r``), as the csv module
    wants them (like a file opened with ``newline=""``)."""
    pending = ""
    for chunk in itertools.chain(chunks, (None,)):
        final = chunk is None
        text = pending + decoder.decode(chunk or b"", final)
        if _OTHER_LINE_BREAKS.search(text) is None:
            # splitlines does the work in C, but it also breaks at characters that csv keeps
            # inside a cell (form feed, U+2028, ...), so it is only used on text without them.
            lines = text.splitlines(keepends=True)
        else:
            lines = _LINE.findall(text)
        # The last piece may be incomplete, or a \r whose \n is in the next chunk.
        pending = lines.pop() if lines and not final and not lines[-1].endswith("\n") else ""
        yield from lines
        if len(pending) > MAX_LINE_CHARS:
            raise FileFormatError(f"A line is longer than {MAX_LINE_CHARS} characters.")


def _sniff_delimiter(line: str) -> str:
    """``;``, ``,`` or a tab, whichever occurs most often outside quotes in the header line; on a
    tie ``;`` (Finnish Excel) before ``,``, and a tab (Excel's Unicode text) only when it is the
    clear choice."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    semicolons, commas, tabs = counts[";"], counts[","], counts["\t"]
    if tabs > semicolons and tabs > commas:
        return "\t"
    return "," if commas > semicolons else ";"


def _is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


class _LineBreakInCell(Exception):
    """The csv reader asked for a second line within one record."""


class _OneLine:
    """The csv reader's input: the one line :func:`_read_csv` hands it for each record.

    No field of these tables can hold a line break (they are codes, ids, dates and numbers), so a
    record is exactly one physical line. The reader asks for another line only when a quoted cell
    is still open at the line's end; then this raises :class:`_LineBreakInCell` instead of giving
    it the next line, that record is reported, and the next line starts a record of its own (the
    reader starts each record from a clean state). A stray quote thus spoils its own line only,
    instead of swallowing the rest of the file into one cell.
    """

    __slots__ = ("line",)

    def __init__(self) -> None:
        self.line: str | None = None

    def __iter__(self) -> _OneLine:
        return self

    def __next__(self) -> str:
        line = self.line
        if line is None:
            raise _LineBreakInCell
        self.line = None
        return line


def _read_csv(chunks: Iterator[bytes], kind: str) -> Iterator[tuple[int, Item | RowError]]:
    decoder = _SniffingDecoder()
    # (line number, line): a row's number is its physical line's, the header's line being 1.
    lines = enumerate(_text_lines(chunks, decoder), start=1)
    source = _OneLine()
    for _, line in lines:
        if not line.strip():
            continue
        # The first line with a visible character is the header (unless its cells are all
        # empty, e.g. a quoted empty string); the delimiter is sniffed from it.
        reader = csv.reader(source, delimiter=_sniff_delimiter(line))
        source.line = line
        try:
            header = next(reader)
        except (csv.Error, _LineBreakInCell):
            raise FileFormatError("The header row cannot be read as CSV.") from None
        if not _is_blank(header):
            break
    else:
        raise FileFormatError("The file is empty.")
    if _ESCAPED_BYTE.search("".join(header)):
        raise FileFormatError(f"The header row is not valid {decoder.encoding_name}.")
    return _csv_rows(lines, source, reader, _columns(header, kind), decoder)


def _columns(header: list[str], kind: str) -> list[str | None]:
    """The canonical field of each column (None for a column without a name), or
    FileFormatError naming the bad columns."""
    allowed = FIELDS[kind]
    columns: list[str | None] = []
    unknown: list[str] = []
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        if not name.strip():
            # Excel writes trailing separators for a once-used column; such a column must be empty.
            columns.append(None)
            continue
        field = _COLUMN_NAMES.get(_fold(name))
        if field is None or field not in allowed:
            shown = name.strip()
            unknown.append(
                f"'{shown}' (column {position})"
                if _NAMEABLE.fullmatch(shown)
                else f"column {position}"
            )
            continue
        positions.setdefault(field, []).append(position)
        columns.append(field)
    if not positions:
        # Not one known name: most likely a data row where the header should be. Its cells are
        # client data, so none is quoted back.
        raise FileFormatError(
            f"The first row is not a header of a {kind} file: "
            "none of its cells is a known column name."
        )
    if unknown:
        raise FileFormatError(f"Unknown columns for a {kind} file: {', '.join(unknown)}.")
    duplicated = [
        f"{field} (columns {', '.join(map(str, at))})"
        for field, at in positions.items()
        if len(at) > 1
    ]
    if duplicated:
        raise FileFormatError(f"Columns given more than once: {'; '.join(duplicated)}.")
    missing = [field for field in REQUIRED[kind] if field not in positions]
    if "personal_identity_code" not in positions and "case_id" not in positions:
        if "client_id" in positions and "client_system" not in positions:
            missing.append("client_system")
        elif "client_system" in positions and "client_id" not in positions:
            missing.append("client_id")
        elif "client_id" not in positions:
            missing.append(
                "personal_identity_code (or client_system and client_id"
                + (", or case_id)" if "case_id" in allowed else ")")
            )
    if missing:
        raise FileFormatError(f"Required columns are missing: {', '.join(missing)}.")
    return columns


def _csv_rows(
    lines: Iterator[tuple[int, str]],
    source: _OneLine,
    reader: Iterator[list[str]],
    columns: list[str | None],
    decoder: _SniffingDecoder,
) -> Iterator[tuple[int, Item | RowError]]:
    width = len(columns)
    for row, line in lines:
        source.line = line
        try:
            cells = next(reader)
        except _LineBreakInCell:
            yield row, RowError(row, None, "a quoted cell is not closed on its line")
            continue
        except csv.Error:
            # A cell beyond the csv module's field size limit; the rest of its line is dropped.
            yield row, RowError(row, None, "the row cannot be read as CSV")
            continue
        joined = "".join(cells)
        if not joined.strip():
            continue
        if _ESCAPED_BYTE.search(joined):
            yield row, RowError(row, None, f"the row is not valid {decoder.encoding_name}")
            continue
        if len(cells) > width:
            message = f"the row has {len(cells)} cells, the header has {width}"
            yield row, RowError(row, None, message)
            continue
        yield row, _item(row, cells, columns)


def _item(row: int, cells: list[str], columns: list[str | None]) -> Item | RowError:
    # zip stops at the shorter: cells missing at the end of a short row count as empty.
    item: Item = {}
    for field, cell in zip(columns, cells, strict=False):
        value = cell.strip()
        if not value:
            continue  # an empty cell is an absent optional field
        if field is None:
            return RowError(row, None, "a column without a name has a value")
        convert = _CONVERTERS.get(field)
        item[field] = convert(value) if convert is not None else value
    return item


# --- NDJSON --------------------------------------------------------------------------------------


def _reject_constant(_: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser would accept them.
    raise ValueError("not JSON")


def _ndjson_line(number: int, line: bytes) -> tuple[int, Item | RowError] | None:
    if number == 1 and line.startswith(_UTF8_BOM):
        line = line[len(_UTF8_BOM) :]
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return number, RowError(number, None, "the row is not valid UTF-8")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        return number, RowError(number, None, "not a JSON object")
    return number, value


def _ndjson_results(chunks: Iterator[bytes]) -> Iterator[tuple[int, Item | RowError] | None]:
    """Every line's result (None for a blank one), splitting the bytes on ``\\n`` first so that
    bad bytes spoil one line only."""
    pending = bytearray()  # appending to a bytearray does not copy what is already there
    number = 0
    skipping = False  # inside an over-long line, already reported
    for chunk in chunks:
        pending += chunk
        start = 0
        while (end := pending.find(b"\n", start)) != -1:
            number += 1
            if skipping:
                skipping = False
            else:
                yield _ndjson_line(number, bytes(pending[start:end]))
            start = end + 1
        del pending[:start]
        if len(pending) > MAX_LINE_CHARS:
            if not skipping:
                yield number + 1, RowError(number + 1, None, "the line is too long")
                skipping = True
            pending.clear()
    if pending and not skipping:
        yield _ndjson_line(number + 1, bytes(pending))


def _read_ndjson(chunks: Iterator[bytes]) -> Iterator[tuple[int, Item | RowError]]:
    start = b""
    for chunk in chunks:
        start += chunk
        if len(start) >= _SNIFF_BYTES:
            break
    wide = _wide_encoding(start)
    if wide is not None:
        # Split into lines at 0x0A, every line of it would be "not a JSON object".
        raise FileFormatError(f"The file is {wide}; an NDJSON file must be UTF-8.")
    lines = _ndjson_results(itertools.chain((start,), chunks))
    results = (result for result in lines if result is not None)
    first = next(results, None)
    if first is None:
        raise FileFormatError("The file is empty.")
    return itertools.chain((first,), results)
