"""The `kavosh` console script (`main`) and its search-side commands: `search` and `evaluate` (`search`),
many queries in one process (`batch`), the IR measures (`evaluate`)."""
