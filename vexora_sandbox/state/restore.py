"""A state file's rows back into the domain, checked before the sandbox serves.

The ledgers must add up with the orders: for each merchant (and currency) the frozen
amount is what its payouts in progress hold, and available + frozen + unsettled is the
opening balance, less the payouts that succeeded, plus what the pay-ins collected. A
mismatch stops the start (exit 2) and names the merchant and the orders that explain it.
"""

from __future__ import annotations

import gc
import logging
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from vexora_sandbox.callbacks.dispatcher import Dispatcher
from vexora_sandbox.domain.clock import Clock, IdFactory, ManualClock, epoch_ms
from vexora_sandbox.domain.ledger import Ledger
from vexora_sandbox.domain.orders import (
    PARTIAL,
    PROCESSING,
    SUCCESS,
    Order,
    OrderKind,
    is_success,
)
from vexora_sandbox.domain.payments import Payments, amount_value
from vexora_sandbox.domain.store import MerchantState, Store
from vexora_sandbox.errors import ConfigError, ConfigProblem, NotFound
from vexora_sandbox.scenarios.model import Scenario
from vexora_sandbox.scenarios.registry import ScenarioRegistry, parse_posted
from vexora_sandbox.state.backend import Snapshot
from vexora_sandbox.state.codecs import Row, deliveries_from, ledger_from, merchant_from
from vexora_sandbox.state.lazy import LazyByPlatform, LazyOrders
from vexora_sandbox.state.order_rows import KINDS, STORED, order_from, repeats_of

log = logging.getLogger("vexora_sandbox.state")
NAMED = 10  # orders named in one problem at most
_column = STORED.columns.index
_MERCHANT, _TRADE, _DEFERRED = _column("merchant_no"), _column("trade_no"), _column("deferred")
_trade_of = itemgetter(_TRADE)
_deferred_of = itemgetter(_DEFERRED)
_KIND = _column("kind")
_platform_of = itemgetter(_column("platform_trade_no"))
_check_fields = itemgetter(
    *map(_column, ("merchant_no", "currency", "kind", "status", "amount", "paid_amount"))
)
# (merchant, currency, kind, status, amount, paid amount) -> how many orders
Counts = Counter[tuple[str, str, str, str, str, str | None]]
Sums = tuple[dict[tuple[str, str], Decimal], dict[tuple[str, str], Decimal]]


@dataclass
class Restored:
    orders: int = 0
    pending: int = 0
    late: int = 0
    openings: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    scenarios: int = 0
    # Per scope ("" global): each runtime scenario's posted text and place in it.
    posted: dict[str, dict[Scenario, tuple[str, int]]] = field(default_factory=dict)


def restore(
    snapshot: Snapshot,
    *,
    source: str,
    payments: Payments,
    dispatcher: Dispatcher,
    clock: Clock,
    ids: IdFactory,
    scenarios: ScenarioRegistry | None = None,
    areas: Collection[str] | None = None,
) -> Restored:
    """Put the snapshot into an empty store, dispatcher (and scenario registry's runtime
    layer); ConfigError if it does not fit (with ``areas``, the areas served: also when a
    runtime merchant's area is not one)."""
    # Hundreds of thousands of new objects would set off full collections over all of
    # them, again and again (a start with 100,000 orders took twice as long); none of them
    # is garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _add_merchants(payments.store, snapshot.merchants, areas, source)
        restored = _restore(snapshot, source, payments, dispatcher, clock, ids)
        if scenarios is not None:
            _add_scenarios(scenarios, payments.store, snapshot.scenarios, restored)
        return restored
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        # A row SQLite accepted but the sandbox cannot read: changed by hand, most likely.
        raise ConfigError.single(
            source,
            f"a row cannot be read ({type(exc).__name__}: {exc}); it was changed "
            "outside the sandbox, or is damaged: restore it from an export, or start with "
            "another --state file",
        ) from None
    finally:
        if collecting:
            gc.enable()


def _restore(
    snapshot: Snapshot,
    source: str,
    payments: Payments,
    dispatcher: Dispatcher,
    clock: Clock,
    ids: IdFactory,
) -> Restored:
    store = payments.store
    meta = snapshot.meta
    if isinstance(clock, ManualClock) and "clock" in meta and float(meta["clock"]) > clock.now():
        clock.set(float(meta["clock"]))  # a manual clock goes on from where it was
    restored = Restored()
    states = {m.merchant_no: store.state(m.merchant_no) for m in store.merchants()}
    # The rows counted by the fields the checks read: a few distinct combinations, which
    # name the merchants and kinds present and give the ledger sums without a row walk.
    counts = Counter(map(_check_fields, snapshot.orders))
    restored.orders = _put_orders(snapshot.orders, counts, states, source)
    # Status changes due without a callback (no notify URL); the column is None if none.
    for row in filter(_deferred_of, snapshot.orders):
        if row[_DEFERRED] != "[]":
            order = states[row[_MERCHANT]].orders[row[_TRADE]]
            deferred, order.deferred = order.deferred, []
            payments.defer(order, deferred)
    for row in snapshot.ledgers:
        merchant_no, currency, opening, ledger = ledger_from(row)
        try:
            _put_ledger(store, merchant_no, currency, ledger)
        except NotFound:
            continue  # no orders either (checked above): a merchant no longer configured
        restored.openings[merchant_no, currency] = opening
    frozen, moved = _sums(counts)
    # Repeated payments (Australia, Mexico) collected too: only rows that have some are read.
    for row in snapshot.orders:
        for amount, status in repeats_of(row):
            if status == SUCCESS:
                moved[row[_MERCHANT], row[_column("currency")]] += amount_value(amount)
    problems = check_ledgers(store, restored.openings, source, (frozen, moved))
    if problems:
        raise ConfigError(problems)
    if "ids" in meta:
        ids.resume(int(meta["ids"]))
    now = clock.now()
    rows: list[Row] = []
    owners: list[Order] = []
    for row in snapshot.deliveries:
        state = states.get(row[1])
        owner = None if state is None else state.orders.get(row[2])
        if owner is None:
            log.warning("dropping callback %s of an order the state file lacks", row[0])
            continue
        rows.append(row)
        owners.append(owner)
    deliveries = deliveries_from(rows, owners)
    for delivery in deliveries:
        if delivery.pending:
            restored.pending += 1
            if delivery.due_at < now:
                delivery.late_ms = epoch_ms(now - delivery.due_at)
                restored.late += 1
    dispatcher.resume(deliveries, int(meta.get("next_delivery_id", "1")))
    return restored


def _put_orders(
    rows: list[Row], counts: Counts, states: dict[str, MerchantState], source: str
) -> int:
    """Each merchant's orders as its lazy maps (``state.lazy``): rows, built on first read.
    Straight into the maps: the file's UNIQUE constraint already guarantees Store.add's
    checks. ConfigError for orders of a merchant the configuration does not list."""
    groups: dict[str, list[Row]] = {}
    if len({fields[0] for fields in counts}) <= 1:
        groups = {rows[0][_MERCHANT]: rows} if rows else {}
    else:
        for row in rows:
            groups.setdefault(row[_MERCHANT], []).append(row)
    unknown = sorted((number, len(g)) for number, g in groups.items() if number not in states)
    if unknown:
        raise ConfigError(
            [
                ConfigProblem(
                    source,
                    f"it holds {count} order(s) of merchant {number}, which the configuration "
                    "does not list; add the merchant back, or start with another --state file",
                )
                for number, count in unknown
            ]
        )
    unknown_kinds = {fields[2] for fields in counts}.difference(KINDS)
    if unknown_kinds:  # checked here: an order is built on its first read only
        row = next(r for r in rows if r[_KIND] in unknown_kinds)
        raise ValueError(f"order {row[_TRADE]} has an unknown kind {row[_KIND]!r}")
    for number, group in groups.items():
        state = states[number]
        trade_nos = list(map(_trade_of, group))
        orders = LazyOrders(zip(trade_nos, group, strict=True), order_from)
        state.orders = orders
        platform_nos = map(_platform_of, group)
        state.by_platform = LazyByPlatform(zip(platform_nos, trade_nos, strict=True), orders)
    return len(rows)


def _sums(counts: Counts) -> Sums:
    """Per (merchant, currency), from the rows' counts (no order built): what the payouts
    in progress freeze, and what the successful orders moved; each combination of the
    fields that decide is summed once."""
    frozen: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    moved: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (number, currency, kind, status, amount, paid), count in counts.items():
        if status == PROCESSING:
            if kind == OrderKind.PAYOUT:
                frozen[number, currency] += amount_value(amount) * count
        elif is_success(status):
            moved[number, currency] += _moved(kind, status, amount, paid) * count
    return frozen, moved


def _add_merchants(
    store: Store, rows: list[Row], areas: Collection[str] | None, source: str
) -> None:
    """The runtime merchants, before their orders: a configured merchant of the same number
    (added to the configuration since) is the one served, with the kept orders. One whose
    area the configuration no longer has stops the start, as a configured one does: its
    calls could only be refused."""
    problems: list[ConfigProblem] = []
    for row in rows:
        merchant = merchant_from(row)
        try:
            store.merchant(merchant.merchant_no)
        except NotFound:
            if areas is not None and (merchant.area.startswith("_") or merchant.area not in areas):
                problems.append(_area_gone(source, merchant.merchant_no, merchant.area))
                continue
            store.add_merchant(merchant)
            continue
        log.warning(
            "runtime merchant %s is now in the configuration: the configured one is served",
            merchant.merchant_no,
        )
    if problems:
        raise ConfigError(problems)


def _area_gone(source: str, number: str, area: str) -> ConfigProblem:
    return ConfigProblem(
        source,
        f"runtime merchant {number} (created with POST /_sandbox/merchants) is of area "
        f"{area!r}, which the configuration does not have; add the area back (--areas-dir), "
        f"then DELETE /_sandbox/merchants/{number} if it is no longer needed, or start with "
        "another --state file",
    )


def _add_scenarios(
    registry: ScenarioRegistry, store: Store, rows: list[Row], restored: Restored
) -> None:
    """The runtime scenarios, each read again from the text it was posted in. One that no
    longer reads (a later version checks more) or whose merchant is gone is left out, with
    a warning: a start does not fail for a test's scenario."""
    texts: dict[str, list[Scenario] | None] = {}
    scopes: dict[str, list[Scenario]] = {}
    for scope, _position, name, text, item in rows:
        if text not in texts:
            try:
                texts[text] = parse_posted(text)
            except ConfigError as exc:
                log.warning("runtime scenario %r no longer reads: %s; left out", name, exc)
                texts[text] = None
        read = texts[text]
        if read is None or not 0 <= item < len(read):
            continue
        if scope and scope not in {m.merchant_no for m in store.merchants()}:
            log.warning(
                "runtime scenario %r of merchant %s, no longer served: left out", name, scope
            )
            continue
        scenario = read[item]
        scopes.setdefault(scope, []).append(scenario)
        restored.posted.setdefault(scope, {})[scenario] = (text, item)
    for scope, scenarios in scopes.items():
        registry.add_runtime(scenarios, scope or None)
        restored.scenarios += len(scenarios)


def _put_ledger(store: Store, merchant_no: str, currency: str, ledger: Ledger) -> None:
    store.state(merchant_no).ledgers[currency] = ledger


def _ledgers(store: Store, merchant_no: str) -> dict[str, Ledger]:
    return store.ledgers(merchant_no)


def check_ledgers(
    store: Store, openings: dict[tuple[str, str], Decimal], source: str, sums: Sums
) -> list[ConfigProblem]:
    """Every merchant's ledgers against its orders' ``sums``: a problem per mismatch."""
    problems: list[ConfigProblem] = []
    zero = Decimal(0)
    frozen, moved = sums
    for merchant in store.merchants():
        number = merchant.merchant_no
        for currency, ledger in _ledgers(store, number).items():
            opening = openings.get((number, currency), merchant.balance)
            where = f"merchant {number}" + (f" ({currency})" if currency else "")
            expected_freeze = frozen.get((number, currency), zero)
            if ledger.freeze != expected_freeze:
                problems.append(
                    _problem(
                        source,
                        f"{where}: the ledger freezes {ledger.freeze} but its payouts in "
                        f"progress hold {expected_freeze}",
                        ledger.freeze - expected_freeze,
                        _involved(store, number, currency, in_progress=True),
                    )
                )
            expected = opening + moved.get((number, currency), zero)
            total = ledger.available + ledger.freeze + ledger.unsettled
            if total != expected:
                problems.append(
                    _problem(
                        source,
                        f"{where}: available + frozen + unsettled is {total} but the opening "
                        f"balance {opening} and the final orders make {expected}",
                        total - expected,
                        _involved(store, number, currency, in_progress=False),
                    )
                )
    return problems


def _involved(store: Store, number: str, currency: str, *, in_progress: bool) -> list[Order]:
    """The error path's orders: the payouts in progress, or the successful orders."""
    return [
        o
        for o in store.orders(number)
        if o.currency == currency
        and (
            (o.kind is OrderKind.PAYOUT and o.status == PROCESSING)
            if in_progress
            else is_success(o.status)
        )
    ]


def _moved(kind: str, status: str, amount: str, paid: str | None) -> Decimal:
    """What a successful order moved into (+) or out of (-) the merchant's total balance."""
    if kind == OrderKind.PAYOUT:
        return -amount_value(amount)
    if status == PARTIAL and paid is not None:
        return min(amount_value(paid), amount_value(amount))
    return amount_value(amount)


def _problem(source: str, message: str, gap: Decimal, orders: list[Order]) -> ConfigProblem:
    """The message, naming the orders whose amount is the gap (else the newest ones)."""
    exact = [o.trade_no for o in orders if o.amount_value == abs(gap)]
    if exact:
        named = f"; the gap of {abs(gap)} is the amount of order(s) {', '.join(exact[:NAMED])}"
    elif orders:
        newest = [o.trade_no for o in orders[-NAMED:]]
        named = f"; the orders involved include {', '.join(newest)}"
    else:
        named = "; it has no such orders"
    return ConfigProblem(
        source,
        message + named + ". The file was changed outside the sandbox, or a bug: export it "
        "('vexora-sandbox state export') and report it, or start with another --state file",
    )
