"""Query parsing, ranked search, snippets, the JSON API and the page."""
