"""HTML as sites and editors write it (issue 11): an HTML5 parser implies the optional tags, so no body text
is lost, and a page whose extracted text falls far short of its visible text is reported."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.build import index_folder
from indexer.sources.encoding import decode_bytes
from indexer.sources.html import read_html
from indexer.sources.loader import Doc, FileEntry, Skip, parse_file
from search_ui.engines.folder import SearchEngine

NO_CLOSING_HEAD = "<html><head><title>t</title>\n<body><p>متن اصلی</p></body></html>"


def parse(markup: str, name: str = "p.html") -> list[Doc | Skip]:
    data = markup.encode("utf-8")
    return list(parse_file(FileEntry(name, "/nonexistent/" + name, "html", len(data), 0), data))


def test_page_without_closing_head_is_found_by_its_body(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "p.html").write_text(NO_CLOSING_HEAD, encoding="utf-8")
    summary = index_folder(folder, tmp_path / "idx")
    assert summary.added == 1 and summary.skipped_total == 0
    hits = SearchEngine(tmp_path / "idx").search("متن اصلی")["hits"]
    assert [h["id"] for h in hits] == ["p.html"]
    assert "<mark>متن</mark>" in hits[0]["snippet"] and "<mark>اصلی</mark>" in hits[0]["snippet"]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        # no </head>, no <body>, no <html>: text after the head is body text
        ("<title>برگه</title><meta charset=utf-8>\n<p>نخستین بند", ["نخستین بند"]),
        ("<html><head><title>برگه</title>\n<p>بند یک<p>بند دو", ["بند یک", "بند دو"]),
        # unclosed <p> and <li>: each still a block of its own
        ("<ul><li>سیب<li>انار</ul><p>گلابی<p>به", ["سیب", "انار", "گلابی", "به"]),
        # entities, named and numeric, and the ZWNJ entity inside a word
        (
            "<p>&laquo;کتاب&zwnj;ها&raquo; &amp; &#1601;&#1575;&#1585;&#1587;&#1740;",
            ["«کتاب\u200cها» & فارسی"],
        ),
        # inline tags inside a word keep it one word
        ("<p>کتاب<b>خانه</b> <i>مل</i>ی", ["کتابخانه ملی"]),
    ],
)
def test_real_world_markup_keeps_all_body_text(markup: str, expected: list[str]) -> None:
    [doc] = parse(markup)
    lines = [line for line in doc.body.split("\n") if line]
    assert lines == expected


def test_br_inside_a_word_breaks_the_line_like_a_browser() -> None:
    # a browser shows the two halves on two lines: they are two pieces of text, not one glued word
    [doc] = parse("<p>دانش<br>گاه</p>")
    assert doc.body == "دانش\nگاه"


def test_hidden_parts_stay_out_of_the_text() -> None:
    markup = (
        "<!doctype html><title>عنوان</title><style>p{}</style><p>پیدا</p>"
        "<script>var x = '<p>پنهان۱</p>';</script><noscript>پنهان۲</noscript><!-- پنهان۳ -->"
        "<![CDATA[ پنهان۴ ]]><template><p>پنهان۵</p></template><svg><text>پنهان۶</text></svg><p>پایان</p>"
    )
    [doc] = parse(markup)
    assert doc.title == "عنوان"
    assert doc.body == "پیدا\n\nپایان"


def test_title_falls_back_to_first_non_empty_heading_then_first_line() -> None:
    assert read_html("<h1> </h1><h2>  قلعه\n الموت </h2><p>متن</p>").title == "قلعه الموت"
    assert read_html("<p>نخستین سطر</p><p>دومین</p>").title == "نخستین سطر"


def test_deeply_nested_page_does_not_crash() -> None:
    [doc] = parse("<div>" * 20_000 + "ژرف" + "</div>" * 20_000)
    assert doc.body == "ژرف"


@pytest.mark.parametrize(
    "markup",
    [
        # a <title> never closed: a browser (and the HTML5 parser) reads the whole page as the title
        "<html><head><title>سفرنامه\n<body><p>" + "متن سفرنامه‌ای بلند درباره‌ی کوه‌های البرز. " * 10,
        # a comment never closed hides the rest of the page
        "<p>آغاز</p><!-- یادداشت نویسنده <p>" + "بخش اصلی نوشته که خواننده هرگز نمی‌بیند. " * 10,
    ],
)
def test_page_whose_text_is_swallowed_is_reported_not_silent(markup: str) -> None:
    items = parse(markup)
    assert [type(i) for i in items] == [Skip, Doc]
    assert items[0].reason == "partial-text" and "characters of visible text" in items[0].detail
    assert str(items[0]).startswith("skipped p.html: indexed, but only")


def test_well_formed_pages_and_forms_are_not_reported() -> None:
    countries = "".join(f"<option>کشور شماره‌ی {n}</option>" for n in range(200))
    for markup in (NO_CLOSING_HEAD, f"<p>کشور خود را برگزینید</p><select>{countries}</select>"):
        assert all(isinstance(i, Doc) for i in parse(markup))


def test_page_date_from_meta() -> None:
    assert read_html('<meta name="date" content="2024-03-05"><p>x</p>').date == 1709596800.0
    published = '<meta property="article:published_time" content="2024-03-05T10:20:00+03:30"><p>x</p>'
    assert read_html(published).date == 1709621400.0
    assert read_html('<meta name="date" content="۱۴۰۲/۱۰/۱۲"><p>x</p>').date == 1704153600.0
    assert read_html('<meta name="date" content="دیروز"><p>x</p>').date is None


def test_samples_html_has_no_markup_left() -> None:
    samples = Path(__file__).resolve().parents[1] / "samples"
    for path in sorted(samples.rglob("*.htm*")):
        found = read_html(decode_bytes(path.read_bytes())[0])
        assert found.text and found.title and found.warning is None, path
        assert not re.search(r"<[a-z/!]|&[a-z]+;", found.text), path
