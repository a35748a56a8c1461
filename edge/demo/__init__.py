"""The demo (`warehouse-edge demo`): a seeded edge, a central beside it, the floor made ready.

`data` seeds the warehouse's master data and stock history, `floor` its orders, picks, station
and barcode sheet, `central` starts the demo's central order store, and `run` puts them together
and serves the edge. It stands beside the command line: it uses the services, the store and the
API's server, and nothing below imports it.
"""
