"""The character encoding of a text landing file: declared by the feed, or sniffed from its first bytes.

A byte-order mark names UTF-8/16/32; bytes that are valid UTF-8 are UTF-8; anything else is a legacy
single-byte code page, guessed by charset_normalizer among the Windows ones. Names are Java's, which
Spark's readers decode with.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from pyspark.sql import SparkSession

from lakehouse.lib.ingest.feeds import FileFeed
from lakehouse.lib.ingest.landing import LandedFile, read_head

UTF8 = "UTF-8"
SNIFF_BYTES = 64 * 1024
# UTF-32's marks first: the UTF-16 LE mark is their prefix. Java's UTF-16/UTF-32 decoders read the byte
# order from the mark and drop it.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, UTF8),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_WINDOWS_CODE_PAGES = [f"cp125{i}" for i in range(9)]
# Exports that are neither UTF-8 nor marked mostly come from Western Windows tools (Excel, ERPs) in
# windows-1252; every byte decodes (the printable ones as in ISO-8859-1), so a wrong guess shows as odd
# characters, never as lost rows. It is taken whenever charset_normalizer finds it as good as its best.
_FALLBACK = "cp1252"


def file_encoding(spark: SparkSession, feed: FileFeed, file: LandedFile) -> str:
    declared = feed.reader_options.get("encoding") or feed.reader_options.get("charset")
    return declared or sniff_encoding(read_head(spark, file.path, SNIFF_BYTES))


def sniff_encoding(head: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # the head may end mid-character
        return UTF8
    except UnicodeDecodeError:
        return _java_name(_code_page(head))


def _code_page(head: bytes) -> str:
    matches = from_bytes(head, cp_isolation=_WINDOWS_CODE_PAGES)
    best = matches.best()
    if best is None:
        return _FALLBACK
    as_good = [m for m in matches if m.percent_chaos <= best.percent_chaos]
    return _FALLBACK if any(_FALLBACK in m.could_be_from_charset for m in as_good) else best.encoding


def _java_name(code_page: str) -> str:
    return f"windows-{code_page.removeprefix('cp')}"
