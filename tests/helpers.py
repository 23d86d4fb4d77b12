"""Small helpers shared by tests."""

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as pdftotext reads it, with all white space removed (lines wrap anywhere)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(  # noqa: S603 - poppler's pdftotext on our own file
            [shutil.which("pdftotext") or "pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        )
    return "".join(result.stdout.split())
