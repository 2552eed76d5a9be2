"""A parsed query compiled against an index (`compile`: stopwords, prefixes, budget) and scored by BM25F
(`bm25f` leaves) on one ranking path (`scoring`: the compiled tree term at a time, for every query)."""
