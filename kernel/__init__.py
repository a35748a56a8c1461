"""The small kernel that the edge and central share: message catalogues, problem+json, back-off
with jitter, serial ports, the guard in front of both servers and serving them (bind, stop),
the bounded input types their routes declare, the OpenAPI document's problem answers and
placing their systemd files (`install-systemd`).

`kernel.messages`, `kernel.problems` and `kernel.backoff` need only the standard library;
`kernel.install` click, `kernel.http` and `kernel.guard` need Starlette, `kernel.fields` and `kernel.openapi` FastAPI,
`kernel.serving` uvicorn, `kernel.serial_port` pyserial. Nothing here imports `edge` or
`central_sync`: both import the kernel, never the other way round.
"""
