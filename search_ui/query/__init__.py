"""What a user typed, made into a query: the parser (`parse`), the analyzer as the query side uses it
(`analysis`) and prefix expansion (`prefixes`)."""
