"""The two engines behind one contract: the folder index (`folder`), an OpenSearch cluster (`cluster`,
with its `vocabulary` and `opensearch_dsl`), and `choose.open_engine`, which picks one by the `--index`
value."""
