"""Persian analysis chain for Whoosh (temporary stub until the real chain lands)."""

from whoosh.analysis import LowercaseFilter, RegexTokenizer

ANALYZER_VERSION = "0-stub"


def PersianAnalyzer():
    """Stub: splits on word characters and lowercases. Replaced by the real chain."""
    return RegexTokenizer(r"\w+") | LowercaseFilter()


__all__ = ["ANALYZER_VERSION", "PersianAnalyzer"]
