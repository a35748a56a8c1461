"""`--decrypter module:callable` (or WAREHOUSE_CENTRAL_DECRYPTER) sets central's ship-to
decrypter from configuration: an adapter module outside the repository opens JD's ciphertext on
a real `import-orders` run, and a value that names no decrypter stops start-up naming the option."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from central_sync.channels import ChannelOrder, load_mapping, map_document
from central_sync.cli import cli
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from tests.central.servers import central_env, venv_script

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "channels" / "jd_pop_order_search.json"
ADAPTER = '''
"""A shop's own decryption adapter (here a fixed table standing in for JD's decrypt API)."""
from central_sync.channels.pii import TableDecrypter


def jd() -> TableDecrypter:
    return TableDecrypter({TABLE})


def not_a_decrypter() -> str:
    return "no decrypt here"


def broken() -> TableDecrypter:
    raise FileNotFoundError("/etc/shop/jd-token")
'''


@pytest.fixture
def adapter_dir(tmp_path: Path) -> Path:
    """A directory holding `shop_pii.py`, a decrypter module as a shop would write one."""
    [order] = map_document(json.loads(FIXTURE.read_text(encoding="utf-8")), load_mapping("jd"))
    assert isinstance(order, ChannelOrder)
    table = {
        order.ship_to["name"]: "张伟",
        order.ship_to["address"]: "北京朝阳区建国路93号",
        order.ship_to["phone"]: "13812345678",
    }
    folder = tmp_path / "adapters"
    folder.mkdir()
    source = ADAPTER.replace("{TABLE}", json.dumps(table, ensure_ascii=False))
    (folder / "shop_pii.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def import_jd(db_url: str, adapter_dir: Path, *extra: str, decrypter_env: str = "") -> str:
    """`warehouse-central import-orders` of JD's order as a real process; its stdout."""
    env = central_env() | {"PYTHONPATH": str(adapter_dir)}
    if decrypter_env:
        env["WAREHOUSE_CENTRAL_DECRYPTER"] = decrypter_env
    command = [str(venv_script("warehouse-central")), "import-orders", str(FIXTURE)]
    done = subprocess.run(
        [*command, "--channel", "jd", "--db", db_url, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def seeded(db_url: str) -> None:
    central = Central(db_url)
    central.open()
    central.upsert_products([("TEA-0001", ProductIn(name="Tea"))])
    central.close()


def ship_to_names(db_url: str) -> list[tuple[str, str]]:
    central = Central(db_url)
    try:
        return [
            (o["status"], central.order(o["id"])["ship_to"]["name"])
            for o in central.orders(limit=10)
        ]
    finally:
        central.close()


def test_import_orders_with_a_decrypter_option_takes_jds_order_with_its_ship_to_opened(
    db_url: str, adapter_dir: Path
) -> None:
    seeded(db_url)

    out = import_jd(db_url, adapter_dir, "--decrypter", "shop_pii:jd")

    assert "held:" not in out
    assert out.splitlines()[-1].endswith("1 imported (1 unassigned), 0 duplicates, 0 rejected")
    assert ship_to_names(db_url) == [("unassigned", "张伟")]


def test_the_decrypter_is_read_from_the_environment_too(db_url: str, adapter_dir: Path) -> None:
    seeded(db_url)

    import_jd(db_url, adapter_dir, decrypter_env="shop_pii:jd")

    assert ship_to_names(db_url) == [("unassigned", "张伟")]


def test_without_a_decrypter_jds_order_is_held_as_before(db_url: str, adapter_dir: Path) -> None:
    seeded(db_url)

    out = import_jd(db_url, adapter_dir)

    assert "name (ciphertext), phone (masked), address (ciphertext)" in out
    assert ship_to_names(db_url)[0][0] == "on_hold"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("shop_pii", "'shop_pii' is not module:callable (e.g. my_shop.pii:jd_decrypter)"),
        ("no_such_shop_module:jd", "cannot import 'no_such_shop_module': No module named"),
        ("shop_pii:nothing", "shop_pii has no callable 'nothing'"),
        (
            "shop_pii:not_a_decrypter",
            "shop_pii:not_a_decrypter returned str, which has no decrypt(channel, field, value)",
        ),
        (
            "shop_pii:broken",
            "shop_pii:broken failed when called: FileNotFoundError: /etc/shop/jd-token",
        ),
    ],
)
@pytest.mark.parametrize("command", ["serve", "import-orders"])
def test_a_decrypter_that_cannot_be_used_stops_start_up_naming_the_option(
    command: str, value: str, reason: str, adapter_dir: Path, tmp_path: Path
) -> None:
    args = [command, str(FIXTURE), "--channel", "jd"] if command == "import-orders" else [command]
    db = tmp_path / "central.db"
    # the adapter folder goes on sys.path for this in-process run only
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(adapter_dir))
        result = CliRunner().invoke(
            cli, [*args, "--db", str(db), "--decrypter", value], prog_name="warehouse-central"
        )

    assert result.exit_code == 2
    assert "Invalid value for '--decrypter': " + reason in result.output
    assert not db.exists()  # nothing was opened, let alone written
