from analyzers import PersianAnalyzer


def test_analyzer_gives_offsets_into_the_original():
    text = "سلام دنیا"
    toks = [(t.text, t.startchar, t.endchar) for t in PersianAnalyzer()(text, chars=True)]
    assert [text[s:e] for _, s, e in toks] == ["سلام", "دنیا"]
