"""The sweep's rule, over generated histories: causes come and go, time passes, a person resolves
some exceptions. An exception opens once per cause, never twice (not even after it was resolved
while its cause still held), only once the cause is overdue, and closes when its cause is gone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.exceptions import Condition, next_state, sweep

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CAUSES = [f"order_stuck:O-{i}" for i in range(4)]

# One step: minutes that pass, the causes that hold now, the exception ids a person resolves.
steps = st.lists(
    st.tuples(
        st.integers(0, 90),
        st.sets(st.sampled_from(CAUSES)),
        st.sets(st.integers(1, 8)),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(steps, st.integers(0, 60))
def test_an_exception_opens_once_per_overdue_cause_and_closes_when_its_cause_is_gone(
    history: list[tuple[int, set[str], set[int]]], threshold_min: int
) -> None:
    now, since = T0, {}  # type: datetime, dict[str, datetime]
    known: dict[str, tuple[int, str]] = {}
    opened: list[str] = []
    for minutes, holding, resolved_by_person in history:
        now += timedelta(minutes=minutes)
        since = {c: since.get(c, now) for c in holding}  # a cause that went away starts anew
        for cause, (i, state) in known.items():
            if i in resolved_by_person and state != "resolved":
                known[cause] = (i, next_state(i, state, "resolve"))
        conditions = [
            Condition(c, "order_stuck", since[c], threshold_min * 60) for c in sorted(holding)
        ]

        plan = sweep(conditions, known, now)

        for c in plan.opened:
            assert c.cause not in known, "a cause opens one exception, never two"
            assert (now - since[c.cause]) >= timedelta(minutes=threshold_min)
            known[c.cause] = (len(known) + 1, "open")
            opened.append(c.cause)
        for i in plan.cleared:
            cause = next(c for c, (j, _s) in known.items() if j == i)
            assert cause not in holding
            known[cause] = (i, "resolved")
        # after the sweep: every overdue cause has its exception; none active without its cause
        for c in conditions:
            if c.due(now):
                assert c.cause in known
        for cause, (_i, state) in known.items():
            assert state == "resolved" or cause in holding
    assert len(opened) == len(set(opened))


def test_a_cause_resolved_by_a_person_while_it_still_holds_is_not_opened_again() -> None:
    c = Condition("print_attention:7", "print_attention", T0, 0)

    plan = sweep([c], {"print_attention:7": (3, "resolved")}, T0 + timedelta(hours=1))

    assert (plan.opened, plan.cleared) == ((), ())
