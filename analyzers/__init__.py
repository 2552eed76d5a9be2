"""Persian analysis chain for Whoosh: `PersianAnalyzer()` and the `ANALYZER_VERSION` stored in each index."""

from .chain import ANALYZER_VERSION, PersianAnalyzer
from .morphology import two_reading_compounds
from .normalize import FOLD_TABLE, PART_BREAKS, fold_key
from .tokenizer import indexed_terms, indexed_terms_and_lead, joins_neighbour

__all__ = [
    "ANALYZER_VERSION",
    "FOLD_TABLE",
    "PART_BREAKS",
    "PersianAnalyzer",
    "fold_key",
    "indexed_terms",
    "indexed_terms_and_lead",
    "joins_neighbour",
    "two_reading_compounds",
]
