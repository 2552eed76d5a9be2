"""The folder index on disk: generations behind `CURRENT`, the schema, the codec (term dictionary, block
store) and its check, and the one list of Whoosh internals they rely on."""
