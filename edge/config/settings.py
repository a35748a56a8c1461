"""All settings of one edge: the sections and the lists, and which is which."""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    BaseModel,
    Field,
)

from edge.config.board import BoardSettings
from edge.config.devices import (
    DEFAULT_PACKAGES,
    PackageSettings,
    PrinterSettings,
    ScaleSettings,
    ScannerSettings,
    StationSettings,
)
from edge.config.keys import _SECTION
from edge.config.notify import NotifySettings, WebhookSettings
from edge.config.reporting import KpiSettings, ReportSettings
from edge.config.retention import RetentionSettings
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
    WavesSettings,
)


class Settings(BaseModel):
    """All settings of one edge: one frozen model per TOML section, then the device lists."""

    model_config = _SECTION

    edge: EdgeSettings = Field(default_factory=EdgeSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    stock: StockSettings = Field(default_factory=StockSettings)
    picking: PickingSettings = Field(default_factory=PickingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    scans: ScansSettings = Field(default_factory=ScansSettings)
    central: CentralSettings = Field(default_factory=CentralSettings)
    packing: PackingSettings = Field(default_factory=PackingSettings)
    printing: PrintingSettings = Field(default_factory=PrintingSettings)
    carrier: CarrierSettings = Field(default_factory=CarrierSettings)
    returns: ReturnsSettings = Field(default_factory=ReturnsSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    kpi: KpiSettings = Field(default_factory=KpiSettings)
    report: ReportSettings = Field(default_factory=ReportSettings)
    notify: NotifySettings = Field(default_factory=NotifySettings)
    board: BoardSettings = Field(default_factory=BoardSettings)
    waves: WavesSettings = Field(default_factory=WavesSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    stations: tuple[StationSettings, ...] = Field(
        (), description="[[stations]]: benches, returns desks, docks; the whole list as JSON."
    )
    scanners: tuple[ScannerSettings, ...] = Field(
        (),
        description="[[scanners]]: fixed scanners, each bound to a station; the whole list as JSON.",
    )
    printers: tuple[PrinterSettings, ...] = Field(
        (),
        description="[[printers]]: label printers, each bound to a station; the whole list as JSON.",
    )
    scales: tuple[ScaleSettings, ...] = Field(
        (), description="[[scales]]: bench scales, each bound to a station; the whole list as JSON."
    )
    packages: tuple[PackageSettings, ...] = Field(
        (),
        description="[[packages]]: the boxes and bags benches pack into (empty: a bag and "
        "boxes S, M, L); the whole list as JSON.",
    )
    webhooks: tuple[WebhookSettings, ...] = Field(
        (),
        description="[[webhooks]]: where exceptions are pushed (json, dingtalk, wecom); the whole"
        " list as JSON.",
    )

    @property
    def pack_packages(self) -> tuple[PackageSettings, ...]:
        """The packages the benches offer: [[packages]], or the built-in bag and boxes."""
        return self.packages or DEFAULT_PACKAGES

    @property
    def db_path(self) -> Path:
        """The SQLite file: store.path, or edge.db in the data directory."""
        return self.store.path or self.edge.data_dir / "edge.db"

    @property
    def backup_path(self) -> Path:
        """Where backups go: store.backup_dir, or backups/ in the data directory."""
        return self.store.backup_dir or self.edge.data_dir / "backups"

    @property
    def report_path(self) -> Path:
        """Where weekly reports are kept: report.dir, or reports/ in the data directory."""
        return self.report.dir or self.edge.data_dir / "reports"


# Lists of tables ([[stations]]), each replaced as a whole: by the file, by JSON in the environment.
LISTS: dict[str, type[BaseModel]] = {
    "stations": StationSettings,
    "scanners": ScannerSettings,
    "printers": PrinterSettings,
    "scales": ScaleSettings,
    "packages": PackageSettings,
    "webhooks": WebhookSettings,
}


def _section_model(annotation: object) -> type[BaseModel]:
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)  # each section is one
    return annotation


SECTIONS: dict[str, type[BaseModel]] = {
    name: _section_model(field.annotation)
    for name, field in Settings.model_fields.items()
    if name not in LISTS
}
_SECTIONS_EXPECTED = f"one of the sections ({', '.join(SECTIONS)})"
