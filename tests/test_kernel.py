"""The kernel is shared by the edge and central and depends on neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
