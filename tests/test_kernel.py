"""The kernel is shared by the edge and central and depends on neither."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kernel.serving import few_malloc_arenas

KERNEL = Path(__file__).resolve().parents[1] / "kernel"
MODULES = sorted(KERNEL.glob("*.py"))


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", MODULES, ids=[p.name for p in MODULES])
def test_a_kernel_module_imports_neither_the_edge_nor_central(path: Path) -> None:
    assert imported_packages(path) & {"edge", "central_sync", "labels", "web_terminal"} == set()


def test_the_edge_and_central_render_problems_through_the_one_kernel() -> None:
    from central_sync.server.errors import problem_body as central_body
    from edge.api.errors import problem_body as edge_body

    edge = edge_body("not_found", {"what": "path", "key": "/x"}, "zh")
    central = central_body("not_found", {"what": "order", "key": "o1"}, "zh")

    assert edge["type"] == "urn:warehouse-edge:problem:not_found"
    assert central["type"] == "urn:warehouse-central:problem:not_found"
    assert (
        set(edge)
        == set(central)
        == {"type", "title", "status", "code", "detail", "messages", "params"}
    )
    assert edge["title"] == central["title"] == "Not found"
    assert edge["detail"] == edge["messages"]["zh"] != edge["messages"]["en"]


def test_a_phrase_fills_in_the_reader_s_language_a_phrase_param_too_and_a_missing_one_as_a_mark() -> (
    None
):
    from kernel.messages import Message, fill

    done = Message("Order {order} {what} ({why}).", "订单 {order} {what}（{why}）。")
    params = {"order": "O-1", "what": Message("shipped", "已发货")}

    assert fill(done, "zh-CN,zh;q=0.9", params) == "订单 O-1 已发货（?）。"
    assert fill(done, "fr", params) == "Order O-1 shipped (?)."


def test_a_refusal_with_a_code_outside_its_catalogue_is_a_programming_error_on_either_side() -> (
    None
):
    from central_sync.server.errors import CentralError
    from edge.domain.errors import EdgeError
    from kernel.problems import UnknownCode

    for refusal in (EdgeError, CentralError):
        with pytest.raises(UnknownCode):
            refusal("no_such_code")
        assert refusal("not_found", what="order", key="O-1").message("zh") != (
            refusal("not_found", what="order", key="O-1").message("en")
        )


# A process whose 8 threads each allocate while all are alive, then how many malloc arenas
# glibc made (malloc_info's <heap nr=...> entries), after few_malloc_arenas() or not.
ARENAS = """
import ctypes, sys, threading
from kernel.serving import few_malloc_arenas

took = few_malloc_arenas() if sys.argv[1] == "few" else None
together = threading.Barrier(8)

def work():
    kept = [bytearray(1024) for _ in range(200)]
    together.wait()

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
fp = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(fp))
libc.fclose(ctypes.c_void_p(fp))
print(took, open(sys.argv[2]).read().count("<heap nr="))
"""


def arenas_made(tmp_path: Path, how: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    done = subprocess.run(
        [sys.executable, "-c", ARENAS, how, str(tmp_path / f"{how}.xml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=KERNEL.parent,
        check=False,
    )
    took, heaps = done.stdout.split()
    return took, int(heaps)


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc arenas")
def test_a_server_s_threads_share_two_malloc_arenas_instead_of_one_each(tmp_path: Path) -> None:
    few = arenas_made(tmp_path, "few")
    default = arenas_made(tmp_path, "default")

    assert few == ("True", 2)
    assert default[0] == "None" and default[1] >= 8  # the main arena and one per thread


def test_an_operator_s_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")

    assert few_malloc_arenas() is False
