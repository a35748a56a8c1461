"""The handover rules (pure), as properties: whatever parcels are scanned into whatever bags in
whatever order (undos and closes among them), a parcel is in at most one handover, and every
parcel handed over was packed, of the bag's carrier, and not held."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from edge.domain.errors import EdgeError
from edge.domain.handover import Candidate, Handover, add_parcel, close, undo_last
from edge.domain.parcel import ParcelInfo

CARRIERS = ("Edge Post", "SF")
STATUSES = ("picked", "packing", "packed", "shipped", "on_hold", "cancelled")


def parcels() -> st.SearchStrategy[list[Candidate]]:
    one = st.builds(
        lambda carrier, status: (carrier, status),
        st.sampled_from(CARRIERS),
        st.sampled_from(STATUSES),
    )
    return st.lists(one, min_size=1, max_size=8).map(
        lambda xs: [
            Candidate(
                f"O-{i}",
                status,
                carrier,
                ParcelInfo(f"O-{i}-P1", 1, 1, f"EE{i:09d}CN", 100 + i, ()),
            )
            for i, (carrier, status) in enumerate(xs)
        ]
    )


Step = tuple[str, int, int]  # (scan | undo | close, bag, parcel)
steps = st.lists(
    st.tuples(
        st.sampled_from(("scan", "scan", "scan", "undo", "close")),
        st.integers(0, 2),
        st.integers(0, 7),
    ),
    max_size=30,
)


@given(parcels(), steps)
def test_a_parcel_is_in_at_most_one_handover_and_every_handed_over_parcel_was_packed(
    found: list[Candidate], plan: list[Step]
) -> None:
    bags = [Handover(f"H-000000-00{n}", CARRIERS[n % 2], "bag") for n in range(3)]
    where: dict[str, str] = {}  # parcel id -> its handover (the store's key)
    handed: set[str] = set()
    for action, b, p in plan:
        bag, cand = bags[b], found[p % len(found)]
        cand = replace(cand, handover_id=where.get(cand.parcel.parcel_id))
        cand = replace(
            cand, parcel=replace(cand.parcel, dispatched=cand.parcel.parcel_id in handed)
        )
        try:
            if action == "scan":
                bags[b] = add_parcel(bag, cand.parcel.tracking_no, cand)
                where[cand.parcel.parcel_id] = bag.id
            elif action == "undo":
                bags[b], gone = undo_last(bag)
                del where[gone]
            else:
                members = [c for c in found if c.parcel.parcel_id in bag.parcels]
                siblings = {c.order_id: [c.parcel] for c in members}
                bags[b] = close(bag, members, siblings, {}).state
                handed |= set(bag.parcels)
        except EdgeError:
            pass
        inside = [pid for h in bags for pid in h.parcels]
        assert len(inside) == len(set(inside))
        assert all(where[pid] == h.id for h in bags for pid in h.parcels)
    by_id = {c.parcel.parcel_id: c for c in found}
    for h in bags:
        for pid in h.parcels:
            c = by_id[pid]
            assert c.status in ("packed", "shipped") and c.carrier == h.carrier
    assert handed <= {pid for h in bags if h.status == "closed" for pid in h.parcels}
