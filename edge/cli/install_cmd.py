"""`warehouse-edge install-systemd`: the unit, sysusers, tmpfiles and udev files and a default
config, from the installed package (edge/systemd/, edge/config/edge.example.toml)."""

from __future__ import annotations

from kernel.install import Placement, install_command

UNIT = "warehouse-edge"
PLACEMENTS = (
    Placement(
        "edge", "systemd/warehouse-edge.service", "/etc/systemd/system/warehouse-edge.service"
    ),
    Placement("edge", "systemd/warehouse-edge.sysusers", "/usr/lib/sysusers.d/warehouse-edge.conf"),
    Placement("edge", "systemd/warehouse-edge.tmpfiles", "/usr/lib/tmpfiles.d/warehouse-edge.conf"),
    Placement(
        "edge", "systemd/90-warehouse-edge.rules", "/etc/udev/rules.d/90-warehouse-edge.rules"
    ),
    Placement(
        "edge",
        "systemd/warehouse-edge-backup.service",
        "/etc/systemd/system/warehouse-edge-backup.service",
    ),
    Placement(
        "edge",
        "systemd/warehouse-edge-backup.timer",
        "/etc/systemd/system/warehouse-edge-backup.timer",
    ),
    Placement(
        "edge",
        "config/edge.example.toml",
        "/etc/warehouse-edge/edge.toml",
        mode=0o644,
        keep=True,
        # an installed edge serves the handhelds on the LAN (the example's default is loopback)
        edits=(
            ('data_dir = "./data"', 'data_dir = "/var/lib/warehouse-edge"'),
            ('host = "127.0.0.1"', 'host = "0.0.0.0"'),
        ),
    ),
)

install_systemd = install_command(
    unit=UNIT,
    also=(f"{UNIT}-backup.timer",),
    placements=PLACEMENTS,
    after=(
        "systemd-sysusers && systemd-tmpfiles --create",
        "udevadm control --reload && udevadm trigger",
    ),
)
