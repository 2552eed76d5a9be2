"""Filters, facets and sort: the rules (search_ui.results.filters), the engine, the API and `kavosh search`,
on the real samples index (tests/test_page_corpus.py dates sport 1402, history 1403, the rest 1404)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from test_page_corpus import FOLDER_DAYS, OTHER_DAY, samples_index  # noqa: F401 (a fixture)

from search_ui.commands.main import cli
from search_ui.engines.folder import SearchEngine
from search_ui.results.filters import FilterError, Filters, in_folder, make_filters, read_day
from search_ui.web.app import create_app

QUERY = "ایران"  # matches documents in most folders and several formats


@pytest.fixture(scope="module")
def engine(samples_index):  # noqa: F811
    return SearchEngine(samples_index)


@pytest.fixture(scope="module")
def client(samples_index):  # noqa: F811
    return create_app(samples_index).test_client()


def _all(engine, **filters) -> dict:
    return engine.search(QUERY, limit=100, filters=make_filters(**filters))


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("1403/01/01", dt.date(2024, 3, 20)),  # Nowruz 1403
        ("۱۴۰۳/۰۲/۱۲", dt.date(2024, 5, 1)),  # Persian digits
        ("١٤٠٢-٣-١١", dt.date(2023, 6, 1)),  # Arabic-Indic digits, dashes, no leading zeros
        ("1403/12/30", dt.date(2025, 3, 20)),  # 1403 is a leap year: Esfand has 30 days
        ("2024-04-03", dt.date(2024, 4, 3)),  # Gregorian
        ("2024/4/3", dt.date(2024, 4, 3)),
        ("1404", dt.date(2025, 3, 21)),  # a year alone: its first day
    ],
)
def test_days_are_read_as_jalali_or_gregorian(typed, day):
    assert read_day(typed) == day


@pytest.mark.parametrize("typed", ["1402/12/30", "1403/13/01", "2024-02-30", "دیروز", "12/03", "1403/1"])
def test_days_that_do_not_exist_are_refused_in_persian(typed):
    with pytest.raises(FilterError) as err:
        read_day(typed)
    assert err.value.code == "bad-date" and "«" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sort": "random"}, "bad-sort"),
        ({"formats": ["doc"]}, "bad-format"),
        ({"date_from": "1403/05/01", "date_to": "1403/01/01"}, "bad-date-range"),
        ({"folders": [f"f{i}" for i in range(21)]}, "too-many-filters"),
    ],
)
def test_unusable_filters_are_refused_with_a_code(kwargs, code):
    with pytest.raises(FilterError) as err:
        make_filters(**kwargs)
    assert err.value.code == code


def test_empty_values_are_no_filter_and_folders_include_subfolders():
    assert make_filters(["", " "], [""], " ", "", "") == Filters()
    assert not Filters().active and make_filters(sort="newest").active
    assert make_filters(["/sport/"]).folders == ("sport",)
    assert in_folder("a/b", "a") and in_folder("a", "a") and not in_folder("ab", "a")


def test_a_folder_filter_keeps_exactly_that_folders_matches(engine):
    everything = _all(engine)
    sport = _all(engine, folders=["sport"])
    expected = [h["id"] for h in everything["hits"] if h["path"].startswith("sport/")]
    assert expected and [h["id"] for h in sport["hits"]] == expected  # same relevance order
    assert sport["total"] == len(expected) < everything["total"]
    assert all(h["folder"] == "sport" for h in sport["hits"])


def test_values_within_a_facet_combine_with_or_and_facets_with_and(engine):
    everything = _all(engine)["hits"]
    two = _all(engine, folders=["sport", "history"])
    assert {h["id"] for h in two["hits"]} == {
        h["id"] for h in everything if h["folder"] in ("sport", "history")
    }
    narrowed = _all(engine, folders=["sport", "history"], formats=["txt"])
    assert {h["id"] for h in narrowed["hits"]} == {h["id"] for h in two["hits"] if h["path"].endswith(".txt")}
    assert narrowed["total"] < two["total"]


def test_facets_count_the_matches_of_each_folder_and_format(engine):
    result = _all(engine)
    hits = result["hits"]
    folders = {f["value"]: f["count"] for f in result["facets"]["folder"]}
    assert folders == {f: sum(h["folder"] == f for h in hits) for f in {h["folder"] for h in hits}}
    assert sum(folders.values()) == result["total"]
    formats = {f["value"]: f["count"] for f in result["facets"]["format"]}
    assert formats["txt"] == sum(h["path"].endswith(".txt") for h in hits)
    # Choosing a folder does not hide the other folders' counts (so a second one can be added) ...
    chosen = _all(engine, folders=["sport"])
    assert {f["value"]: f["count"] for f in chosen["facets"]["folder"]} == folders
    # ... but it does narrow the format counts.
    assert sum(f["count"] for f in chosen["facets"]["format"]) == chosen["total"]


def test_a_date_range_in_either_calendar(engine):
    sport_day = FOLDER_DAYS["sport"].date()
    jalali = _all(engine, formats=["txt"], date_from="1402/01/01", date_to="1402/12/29")
    gregorian = _all(engine, formats=["txt"], date_from="2023-03-21", date_to=str(dt.date(2024, 3, 19)))
    assert jalali["hits"] and {h["folder"] for h in jalali["hits"]} == {"sport"}
    assert [h["id"] for h in gregorian["hits"]] == [h["id"] for h in jalali["hits"]]
    # Both ends are whole days and inclusive.
    one_day = _all(engine, formats=["txt"], date_from=str(sport_day), date_to=str(sport_day))
    assert [h["id"] for h in one_day["hits"]] == [h["id"] for h in jalali["hits"]]
    after = _all(engine, formats=["txt"], date_from="1403/01/01")
    assert "sport" not in {h["folder"] for h in after["hits"]} and "history" in {
        h["folder"] for h in after["hits"]
    }


def test_sort_by_date_newest_or_oldest(engine):
    newest = _all(engine, formats=["txt"], sort="newest")["hits"]
    oldest = _all(engine, formats=["txt"], sort="oldest")["hits"]
    dates = [h["date"] for h in newest]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) == 3
    assert [h["date"] for h in oldest] == sorted(dates)
    assert newest[0]["date"] == int(OTHER_DAY.timestamp())
    relevance = [h["score"] for h in _all(engine, formats=["txt"])["hits"]]
    assert relevance == sorted(relevance, reverse=True)


def test_without_filters_the_answer_is_unchanged(engine):
    plain = engine.search(QUERY)
    assert "facets" not in plain and "filters" not in plain
    filtered = engine.search(QUERY, filters=Filters())
    assert filtered["total"] == plain["total"]
    assert [h["id"] for h in filtered["hits"]] == [h["id"] for h in plain["hits"]]


def test_the_api_takes_the_same_parameters(client, engine):
    resp = client.get(
        "/api/search",
        query_string={"q": QUERY, "folder": ["sport", "history"], "format": "txt", "sort": "oldest"},
    )
    assert resp.status_code == 200
    body = resp.get_json()
    direct = engine.search(QUERY, filters=make_filters(["sport", "history"], ["txt"], sort="oldest"))
    assert [h["id"] for h in body["hits"]] == [h["id"] for h in direct["hits"]]
    assert body["filters"] == {
        "folder": ["sport", "history"],
        "format": ["txt"],
        "from": "",
        "to": "",
        "sort": "oldest",
    }
    assert body["facets"] == direct["facets"]
    assert "facets" not in client.get("/api/search", query_string={"q": QUERY}).get_json()
    assert "facets" in client.get("/api/search", query_string={"q": QUERY, "facets": "1"}).get_json()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "1403/13/01"}, "bad-date"),
        ({"sort": "x"}, "bad-sort"),
        ({"format": "exe"}, "bad-format"),
        ({"from": "2025-01-01", "to": "2024-01-01"}, "bad-date-range"),
    ],
)
def test_the_api_refuses_bad_filters_with_a_code_and_a_persian_message(client, params, code):
    resp = client.get("/api/search", query_string={"q": QUERY, **params})
    body = resp.get_json()
    assert resp.status_code == 400 and body["error"] == code and body["status"] == 400
    assert any("\u0600" <= c <= "\u06ff" for c in body["message"])


def test_the_command_line_takes_the_same_filters(samples_index, engine):  # noqa: F811
    runner = CliRunner()
    args = ["search", QUERY, "--index", str(samples_index), "--json", "--limit", "100"]
    out = runner.invoke(cli, [*args, "--folder", "sport", "--format", "txt", "--from", "1402/01/01"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    direct = engine.search(QUERY, limit=100, filters=make_filters(["sport"], ["txt"], "1402/01/01"))
    assert [h["id"] for h in body["hits"]] == [h["id"] for h in direct["hits"]] and body["facets"]
    readable = runner.invoke(cli, ["search", QUERY, "--index", str(samples_index), "--sort", "newest"])
    assert readable.exit_code == 0 and "folders: " in readable.output and "۱۴۰۴" in readable.output
    bad = runner.invoke(cli, [*args, "--to", "1403/13/01"])
    assert bad.exit_code == 2 and "bad-date" in bad.output


def test_every_format_the_loader_reads_can_be_filtered() -> None:
    from indexer.sources.loader import FORMATS as EXTENSIONS
    from search_ui.results.filters import make_filters

    for fmt in {"pdf", "docx", "odt", "epub", "rtf", "image", *EXTENSIONS.values()}:
        assert make_filters(formats=[fmt]).formats == (fmt,)
