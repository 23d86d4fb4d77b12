"""The Japanese font of the portal's PDFs: which family, from which Debian package, and whether it is there.

WeasyPrint finds fonts through Fontconfig by family name and embeds a subset of the one it uses. A
machine without the family silently falls back to whatever Fontconfig offers, which for Japanese text
may be nothing at all (tofu boxes) or a different face. So render_pdf() checks the pinned family before
rendering (require_font) and every drawn character after it (missing_characters).
"""

import functools
from pathlib import Path

from weasyprint.text.ffi import ffi, fontconfig

# The family pinned in static/pdf/official.css (first in its font-family lists) and installed by
# scripts/setup.sh. docs/pdf.md has the measurements behind the choice.
FONT_FAMILY = "BIZ UDMincho"

# Debian package of each candidate family (the ones measured by `manage.py bench_pdf --compare-fonts`).
FONT_PACKAGES = {
    "BIZ UDMincho": "fonts-morisawa-bizud-mincho",
    "BIZ UDGothic": "fonts-morisawa-bizud-gothic",
    "IPAexMincho": "fonts-ipaexfont-mincho",
    "IPAexGothic": "fonts-ipaexfont-gothic",
    "Noto Serif CJK JP": "fonts-noto-cjk",
    "Noto Sans CJK JP": "fonts-noto-cjk",
}

_FC_RESULT_MATCH = 0


class PdfFontError(RuntimeError):
    """A PDF cannot be made with readable Japanese text on this machine."""


class FontMissingError(PdfFontError):
    """The pinned Japanese font family is not installed."""

    def __init__(self, family: str):
        self.family = family
        package = FONT_PACKAGES.get(family, "a package that provides it")
        super().__init__(
            f'The Japanese font "{family}" that PDF documents are printed in is not installed on this machine, '
            f"so Japanese text would print as empty boxes. Install it (as root: apt-get install {package}, "
            "or run scripts/setup.sh) and restart the process."
        )


class GlyphMissingError(PdfFontError):
    """Some characters of a document exist in no installed font."""

    def __init__(self, characters: str):
        self.characters = characters
        codes = ", ".join(f"U+{ord(char):04X}" for char in characters)
        super().__init__(
            f"No installed font can print these characters: {characters} ({codes}). Replace them in the "
            "document's text (for example with a standard form of the same character) or install a font that "
            "has them."
        )


def _families_and_files() -> list[tuple[tuple[str, ...], str]]:
    """(family names, file) of every font Fontconfig knows, read from a fresh Fontconfig configuration."""
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        font_set = fontconfig.FcConfigGetFonts(config, fontconfig.FcSetSystem)
        if font_set == ffi.NULL:
            return []
        string = ffi.new("FcChar8 **")
        fonts = []
        for index in range(font_set.nfont):
            pattern = font_set.fonts[index]
            families = []
            while fontconfig.FcPatternGetString(pattern, b"family", len(families), string) == _FC_RESULT_MATCH:
                families.append(ffi.string(string[0]).decode("utf-8", "replace"))
            if fontconfig.FcPatternGetString(pattern, b"file", 0, string) == _FC_RESULT_MATCH:
                fonts.append((tuple(families), ffi.string(string[0]).decode("utf-8", "replace")))
        return fonts
    finally:
        fontconfig.FcConfigDestroy(config)


def font_files(family: str) -> list[Path]:
    """The files of the installed fonts whose family (in any language) is `family`; empty if none."""
    wanted = family.casefold()
    return sorted(
        {Path(file) for families, file in _families_and_files() if wanted in (name.casefold() for name in families)}
    )


@functools.cache
def require_font(family: str = FONT_FAMILY) -> Path:
    """The file of `family`, or FontMissingError. Looked up once per process (Fontconfig is read then)."""
    files = font_files(family)
    if not files:
        raise FontMissingError(family)
    return files[0]


def missing_characters(document) -> str:
    """The characters a rendered WeasyPrint document drew as .notdef boxes (no font has them), in order."""
    codepoints = set()
    for font in document.fonts.values():
        codepoints.update(font.missing)
    return "".join(chr(codepoint) for codepoint in sorted(codepoints))
