"""The edge's sync agent: the outbox up to central, central's change feed down to the edge.

It runs inside the edge server (started by the app's lifespan when `central.url` is set) and
never blocks a floor operation: it reads the outbox after the commit, and applies central's
changes through the same single writer as everything else. See docs/sync.md.

The agent is `central_sync.agent.agent.SyncAgent`; this package imports nothing itself, so that
what the edge reads of the sync state (`central_sync.agent.status`, for /metrics and the sync
screen) does not load the agent and httpx into an edge with no central.
"""
