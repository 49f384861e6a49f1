"""Fonts for PDFs in any script: every name prints, whatever its alphabet.

The body font is DejaVu Sans, a Unicode TrueType font that matplotlib ships with its own
data (Latin with every European accent, Greek, Cyrillic, Hebrew, Arabic…). Scripts it lacks
(Chinese, Japanese, Korean) come from a fallback font found on the server: the first of
``KETACLINIC_PDF_FALLBACK_FONTS`` (a ``:``-separated list of paths) or of Debian's
``fonts-droid-fallback`` and ``fonts-wqy-zenhei``. Text is set in the body font and each run of
characters it cannot draw in the fallback font; both are embedded (subset) in the PDF.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

BODY = "KcSans"
BOLD = "KcSans-Bold"
FALLBACK = "KcFallback"
DEBIAN_FALLBACKS = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@dataclass(frozen=True)
class Fonts:
    """The registered fonts: the body font's characters and whether a fallback exists."""

    body_chars: frozenset[int]
    fallback_chars: frozenset[int]


def _fallback_paths() -> list[str]:
    configured = os.environ.get("KETACLINIC_PDF_FALLBACK_FONTS", "")
    return [path for path in configured.split(":") if path] + list(DEBIAN_FALLBACKS)


@functools.cache
def fonts() -> Fonts:
    """Register the PDF fonts with reportlab once per process."""
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    body = TTFont(BODY, str(ttf / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(body)
    pdfmetrics.registerFont(TTFont(BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    for bold, italic, name in ((0, 0, BODY), (1, 0, BOLD), (0, 1, BODY), (1, 1, BOLD)):
        addMapping(BODY, bold, italic, name)
    fallback_chars: frozenset[int] = frozenset()
    for path in _fallback_paths():
        if Path(path).is_file():
            fallback = TTFont(FALLBACK, path, subfontIndex=0)
            pdfmetrics.registerFont(fallback)
            fallback_chars = frozenset(fallback.face.charToGlyph)
            break
    return Fonts(frozenset(body.face.charToGlyph), fallback_chars)


def markup(text: str) -> str:
    """``text`` escaped for a reportlab Paragraph, with the runs the body font cannot draw
    set in the fallback font (when one is installed)."""
    registered = fonts()
    runs: list[str] = []
    current: list[str] = []
    in_fallback = False
    for char in text:
        needs_fallback = (
            ord(char) not in registered.body_chars and ord(char) in registered.fallback_chars
        )
        if needs_fallback != in_fallback and current:
            runs.append(_run("".join(current), in_fallback))
            current = []
        in_fallback = needs_fallback
        current.append(char)
    if current:
        runs.append(_run("".join(current), in_fallback))
    return "".join(runs)


def _run(text: str, in_fallback: bool) -> str:
    return f'<font name="{FALLBACK}">{escape(text)}</font>' if in_fallback else escape(text)
