"""The pure share ledger: examples, and hypothesis properties against an independent oracle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.transaction.domain.ledger import (
    LedgerEntry,
    LedgerSplit,
    as_decimal,
    first_new_shortfall,
    first_shortfall,
    first_shortfall_of_split,
    running_balances,
)
from tests.unit.transaction.ledger_oracle import holding_after, oracle_balances

START = datetime(2025, 1, 1, tzinfo=UTC)
RECORDED = datetime(2025, 6, 1, tzinfo=UTC)


def entry(day: int, delta: str | int, *, hour: int = 10, recorded: int = 0) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=uuid4(),
        executed_at=START + timedelta(days=day, hours=hour),
        recorded_at=RECORDED + timedelta(seconds=recorded),
        delta=Decimal(delta),
    )


def split(day: int, numerator: int, denominator: int) -> LedgerSplit:
    return LedgerSplit((START + timedelta(days=day)).date(), numerator, denominator)


# --- examples -----------------------------------------------------------------


def test_running_balances_follow_executed_at_not_insertion_order() -> None:
    sale = entry(5, -4)
    first = entry(1, 10)
    second = entry(3, 2)
    balances = running_balances([sale, first, second], [])
    assert [(e, b) for e, b in balances] == [
        (first, Fraction(10)),
        (second, Fraction(12)),
        (sale, Fraction(8)),
    ]


def test_the_same_instant_is_ordered_by_recorded_at_then_id() -> None:
    buy = entry(1, 5, recorded=1)
    sale = entry(1, -5, recorded=2)
    assert first_shortfall([sale, buy], []) is None
    early_sale = entry(1, -5, recorded=0)
    shortfall = first_shortfall([buy, early_sale], [])
    assert shortfall is not None
    assert shortfall.entry == early_sale
    assert shortfall.balance == -5


def test_first_shortfall_is_the_earliest_negative_moment_with_its_balance() -> None:
    entries = [entry(1, 10), entry(2, -4), entry(3, -8), entry(4, 10), entry(5, -20)]
    shortfall = first_shortfall(entries, [])
    assert shortfall is not None
    assert shortfall.entry == entries[2]
    assert shortfall.balance == -2


def test_a_split_applies_from_the_start_of_its_effective_date() -> None:
    buy = entry(0, 10)
    on_the_day = LedgerEntry(uuid4(), START + timedelta(days=10), RECORDED, Decimal(-20))
    day_before = LedgerEntry(
        uuid4(), START + timedelta(days=10) - timedelta(microseconds=1), RECORDED, Decimal(-11)
    )
    splits = [split(10, 2, 1)]
    assert first_shortfall([buy, on_the_day], splits) is None
    shortfall = first_shortfall([buy, day_before], splits)
    assert shortfall is not None
    assert shortfall.balance == -1


def test_the_issue_example_two_for_one_between_a_buy_of_10_and_a_sale_of_15() -> None:
    buy, sale = entry(0, 10), entry(60, -15)
    assert first_shortfall([buy, sale], []) is not None
    balances = running_balances([buy, sale], [split(30, 2, 1)])
    assert [b for _, b in balances] == [10, 5]


def test_several_splits_compound_and_reverse_splits_give_exact_fractions() -> None:
    buy = entry(0, 10)
    sale = entry(100, "-6.666666666666")
    balances = running_balances([buy, sale], [split(10, 1, 3), split(20, 2, 1)])
    assert balances[-1][1] == Fraction(20, 3) - Fraction("6.666666666666") > 0
    short = running_balances(
        [buy, entry(100, "-6.666666666667")], [split(10, 1, 3), split(20, 2, 1)]
    )
    assert short[-1][1] == Fraction(20, 3) - Fraction("6.666666666667") < 0


def test_splits_after_the_last_entry_or_in_any_order_are_fine() -> None:
    entries = [entry(0, 10), entry(50, -5)]
    in_order = running_balances(entries, [split(10, 3, 1), split(40, 1, 2), split(90, 5, 1)])
    shuffled = running_balances(entries, [split(90, 5, 1), split(40, 1, 2), split(10, 3, 1)])
    assert in_order == shuffled
    assert [b for _, b in in_order] == [10, 10]


def test_no_entries_no_shortfall() -> None:
    assert running_balances([], [split(1, 2, 1)]) == []
    assert first_shortfall([], []) is None
    assert first_new_shortfall([], [], []) is None


def test_a_new_shortfall_ignores_one_the_change_did_not_cause() -> None:
    buy = entry(0, 10)
    sale = entry(60, -10)
    reverse = [split(30, 1, 2)]  # recorded after the sale: 10 → 5, the sale leaves −5
    history = [buy, sale]
    assert first_shortfall(history, reverse) is not None
    # adding a later buy, or an earlier one, never deepens anything
    assert first_new_shortfall(history, [*history, entry(90, 20)], reverse) is None
    assert first_new_shortfall(history, [*history, entry(40, 1)], reverse) is None
    # a sale that deepens the old shortfall is refused, at the first moment it leaves short
    deeper = entry(45, -1)
    found = first_new_shortfall(history, [*history, deeper], reverse)
    assert found is not None
    assert found.entry == sale
    assert found.balance == -6
    # removing the sale that is short is always fine
    assert first_new_shortfall(history, [buy], reverse) is None
    # a sale after a buy that covers it is fine even though an older moment is short
    later = [*history, entry(90, 20)]
    assert first_new_shortfall(later, [*later, entry(91, -15)], reverse) is None
    assert first_new_shortfall(later, [*later, entry(91, -16)], reverse) is not None


def test_as_decimal_is_exact_for_terminating_fractions() -> None:
    assert as_decimal(Fraction(-50)) == Decimal(-50)
    assert f"{as_decimal(Fraction(-1, 4)):f}" == "-0.25"
    assert f"{as_decimal(Fraction('-0.000000000001')):f}" == "-0.000000000001"
    assert f"{as_decimal(Fraction(1000)):f}" == "1000"
    assert as_decimal(Fraction(-1, 3)) < 0


# --- strategies -------------------------------------------------------------------

days = st.integers(min_value=0, max_value=60)
quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(50), places=1)


@st.composite
def entries_strategy(draw: st.DrawFn, max_size: int = 12) -> list[LedgerEntry]:
    made = []
    for index in range(draw(st.integers(min_value=0, max_value=max_size))):
        quantity = draw(quantities)
        sign = draw(st.sampled_from([1, -1]))
        day = draw(days)
        hour = draw(st.sampled_from([0, 10, 10, 23]))  # collisions on purpose
        made.append(
            LedgerEntry(
                transaction_id=uuid4(),
                executed_at=START + timedelta(days=day, hours=hour),
                recorded_at=RECORDED + timedelta(seconds=draw(st.integers(0, 3)) + index),
                delta=quantity * sign,
            )
        )
    return made


def splits_strategy(forward_only: bool = False) -> st.SearchStrategy[list[LedgerSplit]]:
    ratio = st.tuples(st.integers(1, 5), st.integers(1, 5))
    if forward_only:
        ratio = ratio.filter(lambda r: r[0] >= r[1])
    return st.lists(
        st.builds(
            lambda day, r: LedgerSplit((START + timedelta(days=day)).date(), r[0], r[1]),
            days,
            ratio,
        ),
        max_size=3,
        unique_by=lambda s: s.effective_date,
    )


@settings(max_examples=200, deadline=None)
@given(entries_strategy(), splits_strategy())
def test_running_balances_agree_with_the_oracle(
    entries: list[LedgerEntry], splits: list[LedgerSplit]
) -> None:
    oracle = oracle_balances(entries, splits)
    balances = running_balances(entries, splits)
    assert [e.order for e, _ in balances] == sorted(e.order for e in entries)
    assert {e.transaction_id: b for e, b in balances} == oracle


@settings(max_examples=200, deadline=None)
@given(entries_strategy(), splits_strategy())
def test_first_shortfall_is_the_oracles_first_negative_moment(
    entries: list[LedgerEntry], splits: list[LedgerSplit]
) -> None:
    oracle = oracle_balances(entries, splits)
    negative = sorted((e for e in entries if oracle[e.transaction_id] < 0), key=lambda e: e.order)
    found = first_shortfall(entries, splits)
    if not negative:
        assert found is None
    else:
        assert found is not None
        assert found.entry == negative[0]
        assert found.balance == oracle[negative[0].transaction_id]


@settings(max_examples=200, deadline=None)
@given(entries_strategy(), entries_strategy(max_size=4), splits_strategy())
def test_from_a_valid_history_a_new_shortfall_is_any_shortfall(
    history: list[LedgerEntry], added: list[LedgerEntry], splits: list[LedgerSplit]
) -> None:
    if first_shortfall(history, splits) is not None:
        history = []
    after = [*history, *added]
    assert first_new_shortfall(history, after, splits) == first_shortfall(after, splits)


@settings(max_examples=200, deadline=None)
@given(entries_strategy(), splits_strategy(forward_only=True), splits_strategy(forward_only=True))
def test_a_forward_split_recorded_later_never_invalidates_history(
    entries: list[LedgerEntry], known: list[LedgerSplit], later: list[LedgerSplit]
) -> None:
    if first_shortfall(entries, known) is not None:
        return
    dates = {s.effective_date for s in known}
    more = known + [s for s in later if s.effective_date not in dates]
    assert first_shortfall(entries, more) is None


@settings(max_examples=100, deadline=None)
@given(entries_strategy(), splits_strategy(), days)
def test_a_split_changes_nothing_before_its_date(
    entries: list[LedgerEntry], splits: list[LedgerSplit], day: int
) -> None:
    new_split = LedgerSplit((START + timedelta(days=day)).date(), 7, 3)
    if new_split.effective_date in {s.effective_date for s in splits}:
        return
    before = {e.transaction_id: b for e, b in running_balances(entries, splits)}
    after = {e.transaction_id: b for e, b in running_balances(entries, [*splits, new_split])}
    for e in entries:
        if e.executed_at < new_split.starts_at:
            assert after[e.transaction_id] == before[e.transaction_id]


# --- random sequences of operations on one position --------------------------------


@dataclass
class Position:
    """What the book does, reduced to one position: accept a change iff it leaves no new
    shortfall, and keep the state untouched otherwise."""

    entries: list[LedgerEntry] = field(default_factory=list)
    splits: list[LedgerSplit] = field(default_factory=list)

    def change(self, after: list[LedgerEntry]) -> bool:
        if first_new_shortfall(self.entries, after, self.splits) is not None:
            return False
        self.entries = after
        return True


operations = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), days, quantities),
        st.tuples(st.just("sell"), days, quantities),
        st.tuples(st.just("sell-all-at"), days, st.just(Decimal(0))),
        st.tuples(st.just("void"), st.integers(0, 30), st.just(Decimal(0))),
        st.tuples(
            st.just("split"), days, st.sampled_from([Decimal(2), Decimal(3), Decimal("1.5")])
        ),
    ),
    min_size=1,
    max_size=25,
)


def _apply(
    position: Position, operation: tuple[str, int, Decimal], step: int
) -> tuple[list[LedgerEntry], bool] | None:
    """The state the operation asks for, and whether it may only add shares."""
    kind, value, quantity = operation
    recorded = RECORDED + timedelta(seconds=step)
    at = START + timedelta(days=value, hours=12)
    if kind == "buy":
        return [*position.entries, LedgerEntry(uuid4(), at, recorded, quantity)], True
    if kind in ("sell", "sell-all-at"):
        if kind == "sell-all-at":  # sell exactly what is held then: a boundary case
            probe = LedgerEntry(uuid4(), at, recorded, Decimal(0))
            held = holding_after(probe, [*position.entries, probe], position.splits)
            if held <= 0 or held.denominator != 1:
                return None
            quantity = Decimal(held.numerator)
        return [*position.entries, LedgerEntry(uuid4(), at, recorded, -quantity)], False
    if kind == "void":
        if not position.entries:
            return None
        removed = position.entries[value % len(position.entries)]
        rest = [e for e in position.entries if e is not removed]
        return rest, removed.delta < 0
    return None


@settings(max_examples=300, deadline=None)
@given(operations)
def test_random_histories_never_go_negative_and_refusals_change_nothing(
    ops: list[tuple[str, int, Decimal]],
) -> None:
    position = Position()
    for step, operation in enumerate(ops):
        if operation[0] == "split":  # forward splits, recorded at any time (also "later")
            day = (START + timedelta(days=operation[1])).date()
            if day not in {s.effective_date for s in position.splits}:
                ratio = Fraction(operation[2])
                position.splits.append(LedgerSplit(day, ratio.numerator, ratio.denominator))
        else:
            wanted = _apply(position, operation, step)
            if wanted is None:
                continue
            after, only_adds = wanted
            before = list(position.entries)
            candidate = oracle_balances(after, position.splits)
            accepted = position.change(after)
            if accepted:
                assert position.entries == after
            else:
                assert position.entries == before  # a refusal leaves the state unchanged
                assert not only_adds, "a buy or the void of a sale was refused"
                assert min(candidate.values()) < 0, "refused although nothing went negative"
        balances = oracle_balances(position.entries, position.splits)
        assert all(b >= 0 for b in balances.values()), (ops, balances)


def _reverse_ratio(value: Decimal) -> tuple[int, int]:
    return {Decimal(2): (1, 2), Decimal(3): (2, 3), Decimal("1.5"): (3, 1)}[value]


@settings(max_examples=300, deadline=None)
@given(operations)
def test_with_reverse_splits_only_changes_that_deepen_a_shortfall_are_refused(
    ops: list[tuple[str, int, Decimal]],
) -> None:
    position = Position()
    for step, operation in enumerate(ops):
        if operation[0] == "split":
            day = (START + timedelta(days=operation[1])).date()
            if day not in {s.effective_date for s in position.splits}:
                position.splits.append(LedgerSplit(day, *_reverse_ratio(operation[2])))
            continue
        wanted = _apply(position, operation, step)
        if wanted is None:
            continue
        after, only_adds = wanted
        old = oracle_balances(position.entries, position.splits)
        new = oracle_balances(after, position.splits)
        everything = {e.transaction_id: e for e in [*position.entries, *after]}

        def held(
            balances: dict[UUID, Fraction], moment: LedgerEntry, entries: list[LedgerEntry]
        ) -> Fraction:
            if moment.transaction_id in balances:
                return balances[moment.transaction_id]
            return holding_after(moment, [*entries, moment], position.splits) - Fraction(
                moment.delta
            )

        deepened = any(
            held(new, m, after) < 0 and held(new, m, after) < held(old, m, position.entries)
            for m in everything.values()
            if m.transaction_id in new
        )
        before = list(position.entries)
        accepted = position.change(after)
        assert accepted == (not deepened)
        if only_adds:
            assert accepted
        if not accepted:
            assert position.entries == before


def test_a_reverse_split_before_a_sale_it_leaves_short_is_the_splits_shortfall() -> None:
    buy, sale = entry(0, 10), entry(20, -6)

    shortfall = first_shortfall_of_split([buy, sale], [], split(10, 1, 2))

    assert shortfall is not None
    assert (shortfall.entry, shortfall.balance) == (sale, Fraction(-1))


def test_a_split_that_leaves_enough_or_comes_after_the_sales_leaves_nothing_short() -> None:
    entries = [entry(0, 10), entry(20, -5)]

    assert first_shortfall_of_split(entries, [], split(10, 1, 2)) is None  # 5 − 5 = 0
    assert first_shortfall_of_split(entries, [], split(30, 1, 3)) is None  # 5 → 5/3
    assert first_shortfall_of_split(entries, [split(5, 3, 1)], split(10, 1, 3)) is None


def test_a_shortfall_already_there_is_not_the_new_splits() -> None:
    # stored before splits were checked: 10 → 5 before a sale of 8
    entries = [entry(0, 10), entry(20, -8)]
    stored = [split(10, 1, 2)]
    assert first_shortfall(entries, stored) is not None

    assert first_shortfall_of_split(entries, stored, split(30, 1, 2)) is None
