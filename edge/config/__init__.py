"""The edge's settings: one TOML file, every key overridable by an environment variable.
See `edge.config.loading` for the rules; the models are in `sections` and `devices`."""

from edge.config.devices import (
    DEFAULT_PACKAGES,
    PRINTER_FORMATS,
    STANDARD_BAUDS,
    PackageSettings,
    PrinterSettings,
    ScaleSettings,
    ScannerSettings,
    StationSettings,
)
from edge.config.keys import CONFIG_ENV, ENV_PREFIX, ConfigError, env_var_name
from edge.config.loading import describe_keys, load_settings, parse_env_value
from edge.config.notify import NotifySettings, WebhookSettings
from edge.config.sections import (
    AuthSettings,
    CarrierSettings,
    CentralSettings,
    EdgeSettings,
    LoggingSettings,
    PackingSettings,
    PickingSettings,
    PrintingSettings,
    ReturnsSettings,
    ScansSettings,
    ServerSettings,
    StockSettings,
    StoreSettings,
)
from edge.config.settings import LISTS, SECTIONS, Settings

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_PACKAGES",
    "ENV_PREFIX",
    "LISTS",
    "PRINTER_FORMATS",
    "SECTIONS",
    "STANDARD_BAUDS",
    "AuthSettings",
    "CarrierSettings",
    "CentralSettings",
    "ConfigError",
    "EdgeSettings",
    "LoggingSettings",
    "NotifySettings",
    "PackageSettings",
    "PackingSettings",
    "PickingSettings",
    "PrintingSettings",
    "PrinterSettings",
    "ScaleSettings",
    "ScannerSettings",
    "ScansSettings",
    "ServerSettings",
    "Settings",
    "StationSettings",
    "ReturnsSettings",
    "StockSettings",
    "StoreSettings",
    "WebhookSettings",
    "describe_keys",
    "env_var_name",
    "load_settings",
    "parse_env_value",
]
