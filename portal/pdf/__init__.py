"""Official documents as PDF (WeasyPrint): see docs/pdf.md for the templates and their contexts."""

from portal.pdf.fonts import FONT_FAMILY, FontMissingError, GlyphMissingError, PdfFontError, require_font
from portal.pdf.rendering import html_to_pdf, pdf_context, render_pdf, render_pdf_response

__all__ = [
    "FONT_FAMILY",
    "FontMissingError",
    "GlyphMissingError",
    "PdfFontError",
    "html_to_pdf",
    "pdf_context",
    "render_pdf",
    "render_pdf_response",
    "require_font",
]
