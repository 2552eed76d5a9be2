"""Schema, folder loading, generations and the `kavosh index` command."""
