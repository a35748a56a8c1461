"""Central's routers: thin (parse, authorise, one call to `Central`)."""
