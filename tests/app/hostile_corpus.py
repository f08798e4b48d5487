"""Hostile input as data: strings, dates, numbers, file names and files that the forms, pages and PDFs must survive.

Each entry is named so a failing test says which kind of input broke what. `ATTACKS` are the strings that would do
harm if a page, a PDF or a spreadsheet treated them as markup, code or a formula rather than text.
"""
from __future__ import annotations

import dataclasses
import io
import zipfile


@dataclasses.dataclass(frozen=True)
class Hostile:
    name: str
    value: str
    #: The markup or code that must never come back unescaped in HTML (None: nothing to look for).
    danger: str | None = None


# --- free text -----------------------------------------------------------------------------------------------
SCRIPT = Hostile("script-tag", "<script>alert(1)</script>", "<script>alert(1)")
ATTRIBUTE = Hostile("attribute-breakout", '"><img src=x onerror=alert(1)>', "<img src=x onerror")
SINGLE_QUOTE_ATTRIBUTE = Hostile("single-quote-breakout", "' autofocus onfocus='alert(1)", None)
JAVASCRIPT_URL = Hostile("javascript-url", "javascript:alert(document.cookie)", None)
TEMPLATE = Hostile("template-syntax", "{{7*7}} {% if 1 %}x{% endif %} ${7*7} #{7*7}", None)
SQL_DROP = Hostile("sql-drop", "'; DROP TABLE users; --", None)
SQL_OR = Hostile("sql-or", "' OR '1'='1", None)
SQL_COMMENT = Hostile("sql-comment-percent", "x%' -- _\\ /*", None)
NUL = Hostile("nul-byte", "before\x00after", None)
CONTROL = Hostile("control-characters", "bell\x07 vtab\x0b escape\x1b[31m", None)
LONG_10K = Hostile("long-10k", "A" * 10_000, None)
LONG_100K = Hostile("long-100k", "B" * 100_000, None)
RTL = Hostile("rtl-override", "invoice\u202egpj.exe", None)
ZERO_WIDTH = Hostile("zero-width", "a\u200db\u200cc\u2060d\ufeffe", None)
ZALGO = Hostile("zalgo", "Z\u0351\u0308\u036b\u0313a\u0300\u0301\u0302l\u0303\u0304\u0305g\u0306\u0307o\u0310", None)
EMOJI = Hostile("emoji-zwj", "\U0001f469\U0001f3fd\u200d\u2695\ufe0f \U0001f44d\U0001f3ff \U0001f468\u200d\U0001f469\u200d\U0001f467", None)
ASTRAL = Hostile("astral-plane", "\U00010348\U0001d54f\U0001f600", None)
SURROGATE_LIKE = Hostile("surrogate-like", "\\ud800\\udfff &#xd800; %ED%A0%80 \ufffd", None)
CRLF = Hostile("crlf-injection", "a\r\nSet-Cookie: x=1", None)
FORMULA = Hostile("formula-injection", "=cmd|' /C calc'!A0", None)
FORMULA_PLUS = Hostile("formula-plus", "+SUM(1+1)*cmd|' /C calc'!A0", None)
FORMULA_AT = Hostile("formula-at", "@SUM(1+1)", None)
HTML_ENTITY = Hostile("html-entities", "&lt;script&gt; &amp; &#60;b&#62;", None)
CSS_BREAK = Hostile("style-breakout", "</style><style>body{display:none}</style>", "<style>body{display:none}")
TEXTAREA_BREAK = Hostile("textarea-breakout", "</textarea><script>alert(2)</script>", "<script>alert(2)")
SVG_INLINE = Hostile("inline-svg", "<svg onload=alert(3)>", "<svg onload")
WHITESPACE = Hostile("only-whitespace", " \t\u00a0\u3000 ", None)

TEXT: tuple[Hostile, ...] = (
    SCRIPT, ATTRIBUTE, SINGLE_QUOTE_ATTRIBUTE, JAVASCRIPT_URL, TEMPLATE, SQL_DROP, SQL_OR, SQL_COMMENT, NUL, CONTROL,
    LONG_10K, LONG_100K, RTL, ZERO_WIDTH, ZALGO, EMOJI, ASTRAL, SURROGATE_LIKE, CRLF, FORMULA, FORMULA_PLUS,
    FORMULA_AT, HTML_ENTITY, CSS_BREAK, TEXTAREA_BREAK, SVG_INLINE, WHITESPACE,
)
#: The handful that break the most kinds of code: markup, quotes, NUL, an over-long value, astral Unicode.
WORST: tuple[Hostile, ...] = (ATTRIBUTE, NUL, LONG_10K, EMOJI, SQL_DROP)
#: What the walk puts in every free-text field of every form (the rest go through representative forms).
WALK: tuple[Hostile, ...] = (ATTRIBUTE, NUL, LONG_10K)
#: The strings a page must show escaped (each has a `danger`).
ATTACKS: tuple[Hostile, ...] = tuple(h for h in TEXT if h.danger)
#: Strings that must be stored exactly as typed (apart from the surrounding whitespace the forms strip).
VERBATIM: tuple[Hostile, ...] = (SCRIPT, ATTRIBUTE, SINGLE_QUOTE_ATTRIBUTE, JAVASCRIPT_URL, TEMPLATE, SQL_DROP,
                                 SQL_OR, SQL_COMMENT, RTL, ZERO_WIDTH, ZALGO, EMOJI, ASTRAL, SURROGATE_LIKE, FORMULA,
                                 HTML_ENTITY, CSS_BREAK, TEXTAREA_BREAK, SVG_INLINE)

# --- dates and numbers as typed ------------------------------------------------------------------------------
BAD_DATES: tuple[str, ...] = ("2026-02-30", "31/12/2026", "99999-01-01", "yesterday", "2026-13-01", "0000-00-00",
                              "2026-01-01T00:00", "\x00", "<script>", "1e5", "-2026-01-01")
BAD_NUMBERS: tuple[str, ...] = ("-1", "1e309", "NaN", "Infinity", "-Infinity", "1,5", "0x10", "10^100", "1" * 400,
                                "\x00", "<b>1</b>", "1_000")
#: Numbers a lenient parser may accept: they must either be refused or stored as the number they mean.
LENIENT_NUMBERS: tuple[tuple[str, str], ...] = ((" 7 ", "7"), ("\u0663", "3"))  # (typed, meant): Arabic-Indic 3

# --- file names ----------------------------------------------------------------------------------------------
FILE_NAMES: tuple[tuple[str, str], ...] = (
    ("path-traversal", "../../etc/passwd"),
    ("windows-traversal", "..\\..\\windows\\win.ini"),
    ("absolute-path", "/etc/shadow.pdf"),
    ("windows-device", "CON.pdf"),
    ("nul-in-name", "evil\x00.pdf"),
    ("very-long-name", "n" * 300 + ".pdf"),
    ("double-extension", "a.pdf.exe"),
    ("dotfile", ".htaccess"),
    ("rtl-override-name", "report\u202efdp.exe"),
    ("markup-name", '"><script>alert(1)</script>.pdf'),
    ("crlf-name", "a\r\nContent-Type: text/html.pdf"),
    ("emoji-name", "\U0001f4c4 notes \U0001f469\U0001f3fd\u200d\u2695\ufe0f.pdf"),
)

# --- files whose content lies about what they are -------------------------------------------------------------
#: A minimal but valid PDF that carries an OpenAction with JavaScript, and an HTML payload.
PDF_WITH_JS = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction 3 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
               b"3 0 obj<</S/JavaScript/JS(app.alert\\(1\\))>>endobj\n"
               b"4 0 obj<</Length 44>>stream\n<html><script>alert(1)</script></html>\nendstream endobj\n"
               b"trailer<</Root 1 0 R>>\n%%EOF\n")
GIF_JS_POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=1;alert(1);//" + b"\x00" * 8
HTML_AS_PDF = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                   b"<script>alert(2)</script></svg>")


def zip_bytes() -> bytes:
    """A ZIP that is not a Word document (no [Content_Types].xml): named .docx, it must not pass as one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


#: (name, file name, bytes, MIME type the browser claims).
POLYGLOTS: tuple[tuple[str, str, bytes, str], ...] = (
    ("gif-js-polyglot", "pixel.gif", GIF_JS_POLYGLOT, "image/gif"),
    ("pdf-with-javascript", "report.pdf", PDF_WITH_JS, "application/pdf"),
    ("html-renamed-pdf", "report.pdf", HTML_AS_PDF, "application/pdf"),
    ("zip-named-docx", "notes.docx",
     b"", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("svg-with-script", "diagram.svg", SVG_WITH_SCRIPT, "image/svg+xml"),
    ("html-as-image", "photo.png", HTML_AS_PDF, "image/png"),
)


def polyglots() -> list[tuple[str, str, bytes, str]]:
    """POLYGLOTS with the ZIP built (kept out of import time)."""
    return [(n, f, zip_bytes() if n == "zip-named-docx" else b, t) for n, f, b, t in POLYGLOTS]
