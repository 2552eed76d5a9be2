"""A parsed query compiled against an index (`compile`: stopwords, prefixes, budget) and scored by BM25F
(`bm25f` matchers, `fastpath` for plain keyword queries)."""
