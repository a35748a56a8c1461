"""The environment variables central reads, by name: a module of constants, so that whoever
names one (the edge's demo --help, say) does not load central's server to do so."""

ADMIN_ENV = "WAREHOUSE_CENTRAL_ADMIN_TOKEN"
