"""Reading text from pictures of pages with Tesseract and its Persian model (Debian's `tesseract-ocr` and
`tesseract-ocr-fas`, installed by `make ocr`).

Tesseract runs as a program, one page at a time, in the indexing process that reads the file; it is given
one thread (OMP_THREAD_LIMIT=1) because indexing already keeps the cores busy. Its text is read like a PDF's:
ZWNJ and word order come out right, so only presentation forms and ZWNJ need the usual repair.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

from indexer.sources import Extracted, SourceError, first_line

LANGUAGES = "fas"  # Persian; Tesseract's fas model also reads the Latin letters and digits in Persian text
OCR_TIMEOUT_S = 300  # one page; a page that takes longer is given up, not waited for forever
NO_TEXT_LAYER = "no text layer (use --ocr)"


def available() -> str | None:
    """None when Tesseract with the Persian model can run, else a sentence saying what is missing."""
    if shutil.which("tesseract") is None:
        return "Tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-fas)"
    try:
        listed = subprocess.run(
            ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return f"Tesseract cannot run ({exc})"
    if "fas" not in listed.split():
        return "Tesseract's Persian model is not installed (Debian: apt-get install tesseract-ocr-fas)"
    return None


def ocr_png(png: bytes) -> str:
    """The text Tesseract reads in one page image (PNG bytes). Raises SourceError when it cannot run."""
    missing = available()
    if missing:
        raise SourceError("no-ocr", missing)
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        done = subprocess.run(
            ["tesseract", "stdin", "stdout", "-l", LANGUAGES],
            input=png,
            capture_output=True,
            timeout=OCR_TIMEOUT_S,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SourceError("ocr-failed", f"OCR took longer than {OCR_TIMEOUT_S} s on one page") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError("ocr-failed", f"Tesseract failed ({message[-1] if message else done.returncode})")
    return done.stdout.decode("utf-8", "replace").replace("\f", "").strip()


def image_to_png(image) -> bytes:
    """A Pillow image as PNG bytes in grey levels (what Tesseract reads best and fastest)."""
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG")
    return out.getvalue()


def read_image(data: bytes, options) -> Extracted:
    """A picture (.png, .jpg, .tif; every frame of a multi-page TIFF is a page) read by OCR when
    `options.ocr`, else a SourceError saying to use --ocr."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    if not options.ocr:
        raise SourceError("no-text-layer", NO_TEXT_LAYER)
    from indexer.sources import PAGE_BREAK
    from indexer.sources.pdf_repair import repair_page

    try:
        with Image.open(io.BytesIO(data)) as picture:
            frames = [frame.copy() for frame in ImageSequence.Iterator(picture)]
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise SourceError("bad-image", f"not a readable image ({exc})") from exc
    pages = []
    for n, frame in enumerate(frames, 1):
        pages.append(repair_page(ocr_png(image_to_png(frame)))[0])
        if options.on_page:
            options.on_page(n, len(frames))
    text = PAGE_BREAK.join(pages)
    return Extracted(title=first_line(text), text=text)
