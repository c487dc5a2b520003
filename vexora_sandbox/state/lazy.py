"""A restored merchant's orders, kept as the state file's rows until first touched.

A start with 100,000 orders spent most of its time building Order objects that a
long-running sandbox may never look at again. The restored maps hold each order's row
instead and build the order the first time it is read: a query, a callback, a list. The
maps are the merchant's own (``MerchantState.orders`` and ``by_platform``), so the domain
reads them as always; a key is there from the start (``in`` and ``len`` are exact), only
its value is built late, once, and then kept. Going through every order (a listing, the
dashboard, the metrics' order count) builds them all at once, the first time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from vexora_sandbox.domain.orders import Order
from vexora_sandbox.state.codecs import Row

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_values

_MISSING: Any = object()


class _Lazy(dict[str, Order]):
    """A map whose values are built on first read; ``_built`` says how."""

    __slots__ = ()

    def _built(self, key: str, value: Any) -> Order:
        raise NotImplementedError

    def __getitem__(self, key: str) -> Order:
        return self._built(key, dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        value = dict.get(self, key, _MISSING)
        return default if value is _MISSING else self._built(key, value)


class LazyOrders(_Lazy):
    """tradeNo -> Order, where a value is the order's row (a tuple) until first read."""

    __slots__ = ("_decode",)

    def __init__(self, rows: Iterable[tuple[str, Row]], decode: Callable[[Row], Order]) -> None:
        super().__init__(cast(Iterable[tuple[str, Order]], rows))
        self._decode = decode

    def _built(self, key: str, value: Any) -> Order:
        if type(value) is tuple:
            value = self._decode(value)
            dict.__setitem__(self, key, value)
        return cast(Order, value)

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        value = dict.pop(self, key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise KeyError(key)
            return default
        return self._decode(value) if type(value) is tuple else value

    def copy(self) -> dict[str, Order]:
        self.build_all()
        return dict(self)

    def build_all(self) -> None:
        for key, value in list(dict.items(_raw(self))):
            if type(value) is tuple:
                self._built(key, value)

    def values(self) -> dict_values[str, Order]:
        self.build_all()
        return dict.values(self)

    def items(self) -> dict_items[str, Order]:
        self.build_all()
        return dict.items(self)


class LazyByPlatform(_Lazy):
    """platformTradeNo -> Order, where a value is the order's tradeNo until first read (the
    order itself comes from the merchant's LazyOrders, so both maps hold the same one)."""

    __slots__ = ("_orders",)

    def __init__(self, trade_nos: Iterable[tuple[str, str]], orders: LazyOrders) -> None:
        super().__init__(cast(Iterable[tuple[str, Order]], trade_nos))
        self._orders = orders

    def _built(self, key: str, value: Any) -> Order:
        if type(value) is str:
            value = self._orders[value]
            dict.__setitem__(self, key, value)
        return cast(Order, value)

    def values(self) -> dict_values[str, Order]:
        for key, value in list(dict.items(_raw(self))):
            self._built(key, value)
        return dict.values(self)

    def items(self) -> dict_items[str, Order]:
        self.values()
        return dict.items(self)


def _raw(orders: dict[str, Order]) -> dict[str, Any]:
    """The map as it is stored: rows (or tradeNos) for the orders not built yet."""
    return cast(dict[str, Any], orders)
