"""Did-you-mean distance and readable written forms."""

from __future__ import annotations

import pytest

from search_ui.ranking.spelling import persian_distance, surface


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("سلام", "سلام", 0.0),
        ("سلام", "صلام", 0.5),  # letters Persian writers confuse cost half
        ("ذرت", "زرت", 0.5),
        ("کتاب", "کتب", 1.0),  # a deletion
        ("کتاب", "کاتب", 1.0),  # a transposition
        ("کتاب", "قلم", 4.0),
    ],
)
def test_persian_distance(a, b, expected):
    assert persian_distance(a, b) == expected
    assert persian_distance(b, a) == expected


def test_surface_restores_the_written_form_of_a_folded_term():
    assert surface("ایین") == "آیین"
    assert surface("نا-واژه") == "نا-واژه"  # unknown terms are shown as they are
