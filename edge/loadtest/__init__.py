"""`warehouse-edge loadtest`: simulated handhelds on a running edge, and with a central a flood of
buyers through its channel ingest; what the benches in bench/ drive too (the raw client, the
pick and pack screens followed request by request)."""
