"""The central order store: the master of the catalogue and of orders, where every edge's facts
arrive (docs/sync.md is its HTTP contract with the edges, docs/central.md how to run it).

Storage is SQLite (default) or PostgreSQL behind one code path, all of it in `central_sync/store/`
(its `dialect.py` holds the few differences); `Central` (central.py) is the service the routers
and the CLI call.
"""
