"""Central's store: every SQL string of central (`central_sync/server` holds the logic and calls
these modules, never SQL of its own).

`db.py` is the pool and `Tx`, the one object a store function takes (plain SQL with `?`
placeholders, rows as dicts); `dialect.py` keeps the few differences between SQLite and
PostgreSQL; `schema.py` the numbered migrations. The other modules are named for what they keep,
each a set of plain functions `fn(tx, ...)`.
"""
