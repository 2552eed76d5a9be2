"""Persian analysis chain for Whoosh: `PersianAnalyzer()` and the `ANALYZER_VERSION` stored in each index."""

from .chain import ANALYZER_VERSION, PersianAnalyzer
from .tokenizer import joins_neighbour

__all__ = ["ANALYZER_VERSION", "PersianAnalyzer", "joins_neighbour"]
