"""Fax images: counting pages and turning a gateway's TIFF into a PDF a browser can show.

Fax TIFFs are bilevel (Group 3/4) and often have unequal horizontal and vertical resolution (204×98 dpi in
"normal" mode), so each page is stretched to square pixels before it becomes a PDF page; otherwise it would
print at half height.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageSequence

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
# A US Letter page at 204 dpi; anything far beyond this is not a fax and would only cost memory.
_MAX_PAGE_PIXELS = 20_000_000


class FaxImageError(ValueError):
    """The image data is not a readable TIFF or PDF."""


def tiff_page_count(data: bytes) -> int:
    try:
        with _quiet(), Image.open(io.BytesIO(data)) as image:
            return int(getattr(image, "n_frames", 1))
    except Exception as exc:
        # Damaged images make Pillow raise almost anything (TypeError, KeyError, struct.error, SyntaxError).
        raise FaxImageError(f"not a readable TIFF: {exc}") from exc


def pdf_page_count(data: bytes) -> int:
    """Pages of a simple PDF, counted from its page objects; good enough for gateway output, which is never
    encrypted or compressed into object streams."""
    return len(_PDF_PAGE.findall(data))


def tiff_to_pdf(data: bytes) -> bytes:
    """A PDF with one page per TIFF frame, at the fax's own resolution."""
    pages: list[Image.Image] = []
    resolution = 200.0
    try:
        with _quiet(), Image.open(io.BytesIO(data)) as image:
            for frame in ImageSequence.Iterator(image):
                width, height = frame.size
                if width * height > _MAX_PAGE_PIXELS:
                    raise FaxImageError(f"page of {width}×{height} pixels is too large for a fax")
                x_dpi, y_dpi = _dpi(frame)
                page = frame.convert("1") if frame.mode not in ("1", "L") else frame.copy()
                if y_dpi and x_dpi and abs(x_dpi - y_dpi) > 1:
                    page = page.resize((width, round(height * x_dpi / y_dpi)))
                resolution = x_dpi or resolution
                pages.append(page)
    except FaxImageError:
        raise
    except Exception as exc:
        # Damaged images make Pillow raise almost anything (TypeError, KeyError, struct.error, SyntaxError).
        raise FaxImageError(f"not a readable TIFF: {exc}") from exc
    if not pages:
        raise FaxImageError("TIFF has no pages")
    output = io.BytesIO()
    pages[0].save(output, format="PDF", save_all=True, append_images=pages[1:], resolution=resolution)
    return output.getvalue()


@contextmanager
def _quiet() -> Iterator[None]:
    # Pillow warns about every damaged tag; the caller learns what matters from the exception.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _dpi(frame: Image.Image) -> tuple[float, float]:
    dpi = frame.info.get("dpi")
    if isinstance(dpi, tuple) and len(dpi) == 2:
        return float(dpi[0]), float(dpi[1])
    return 0.0, 0.0
