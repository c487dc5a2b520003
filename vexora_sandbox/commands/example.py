"""``example``: a valid, signed request body with realistic fake data.

Faker (a dependency of the package) is imported only while the command runs: serving never
imports it.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from vexora_sandbox.commands.common import HelpFormatter, UsageError

if TYPE_CHECKING:
    import random

    from vexora_sandbox.protocol.rules import EndpointRules, FieldRule


# Local, so that a sandbox's callbacks never leave the machine; https where an area demands
# it (japan).
DEFAULT_NOTIFY_URL = "http://127.0.0.1:9000/notify"
_GIVEN_NAMES = {"firstname", "firstName", "first_name"}
_FAMILY_NAMES = {"lastname", "lastName", "last_name"}
_FULL_NAMES = {"name", "customerName", "accountName", "payerName", "realName", "userName"}


def register(sub: Any) -> None:
    """Add ``example`` to the subparsers ``sub``."""
    p = sub.add_parser(
        "example",
        help="print a valid, signed request body with realistic fake data",
        description="Print a request body for an area's endpoint that passes every strict "
        "field rule, signed with the secret. Values come from the area file's examples; "
        "names and emails from Faker in the area's locale. The same --seed gives the same "
        "body but for the timestamp and the tradeNo, which start with the current time "
        "unless --timestamp is given.",
        epilog="example: vexora-sandbox example --area indonesia --seed 7 | curl -s "
        "http://127.0.0.1:8080/indonesia/v1/vexora/disbursements -H 'merchantNo: 0000000001' "
        "-H 'Content-Type: application/json' -d @-",
        formatter_class=HelpFormatter,
    )
    p.add_argument("--area", default="default", help="the area (default: default)")
    p.add_argument(
        "--endpoint", default="disbursements", help="the endpoint (default: disbursements)"
    )
    p.add_argument("--seed", type=int, help="make the body reproducible")
    p.add_argument("--secret", default="sandbox-secret", help="sign with this secret")
    p.add_argument("--timestamp", help="the timestamp, in epoch ms (default: now)")
    p.add_argument(
        "--notify-url", default=DEFAULT_NOTIFY_URL, help="the notifyUrl (default: %(default)s)"
    )
    p.set_defaults(func=cmd_example)


def cmd_example(args: argparse.Namespace) -> int:
    from vexora_sandbox.protocol.rules import load_areas

    areas = {k: v for k, v in load_areas().items() if not k.startswith("_")}
    area = areas.get(args.area)
    if area is None:
        raise UsageError(f"unknown area {args.area!r}; known areas: {', '.join(sorted(areas))}")
    rules = area.rules_for(args.endpoint)
    if rules is None:
        offered = ", ".join(e for e in area.endpoints if e != "*")
        raise UsageError(f"the {area.name} area has no endpoint {args.endpoint!r}: {offered}")
    body = example_body(
        rules,
        locale=area.locale,
        seed=args.seed,
        secret=args.secret,
        timestamp=args.timestamp,
        notify_url=args.notify_url,
    )
    print(json.dumps(body, ensure_ascii=False, indent=2))
    return 0


def _faker(locale: str, seed: int | None) -> Any:
    from faker import Faker  # only here: serving never imports it (a second of start-up)

    try:
        fake = Faker(locale)
    except AttributeError:  # a locale Faker does not have
        fake = Faker("en_US")
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def example_body(
    rules: EndpointRules,
    *,
    locale: str = "en_US",
    seed: int | None = None,
    secret: str = "sandbox-secret",
    timestamp: str | None = None,
    notify_url: str = DEFAULT_NOTIFY_URL,
) -> dict[str, str]:
    """A signed body for ``rules`` that passes them strictly; RuntimeError if none can be.

    Every value is a string. A field takes its area file ``example`` when it has one;
    names, emails and remarks come from Faker; amounts respect min, max and decimals.
    """
    import random
    import time

    from vexora_sandbox.protocol import signing

    fake = _faker(locale, seed)
    rng = random.Random(seed)
    stamp = timestamp or str(int(time.time() * 1000))
    body: dict[str, str] = {}
    for rule in rules.fields:
        if rule.name == "timestamp" or rule.type == "timestamp":
            continue
        if rule.name == "tradeNo":
            # The timestamp first: a seed makes the body reproducible (with --timestamp),
            # yet two calls at different times never send the same order twice.
            digits = stamp + "".join(rng.choices("0123456789", k=5))
            body[rule.name] = ("T" + digits)[: rule.max_length or 32]
            continue
        candidates = [_fake_value(rule, fake, rng, notify_url)]
        if rule.example is not None:
            candidates.append(rule.example)
        value = next(
            (
                c
                for c in candidates
                if c is not None and rule.check({rule.name: c}, "strict") is None
            ),
            None,
        )
        if value is None:
            if rule.required:
                raise RuntimeError(
                    f"no valid example for {rule.name} of {rules.endpoint}: "
                    "give it an 'example:' in the area file"
                )
            continue
        body[rule.name] = value
    if rules.field("timestamp") is not None:
        body["timestamp"] = stamp
    errors = rules.errors(dict(body), "strict")
    if errors:
        raise RuntimeError(f"the example for {rules.endpoint} breaks its rules: {errors}")
    body[signing.SIGN_FIELD] = signing.sign(body, secret)
    return body


def _fake_value(rule: FieldRule, fake: Any, rng: random.Random, notify_url: str) -> str | None:
    """A realistic value for a field that has no fixed example, or None to use the example."""
    name = rule.name
    if rule.type == "amount":
        return _amount(rule, rng)
    if rule.type == "email":
        return str(fake.email(safe=True))
    if rule.type == "url":
        url = notify_url if name == "notifyUrl" else f"http://127.0.0.1:9000/{name}"
        return "https" + url[4:] if rule.https_only and url.startswith("http:") else url
    if rule.example is not None:
        return rule.example
    if rule.values:
        return rng.choice(rule.values)
    if name in _GIVEN_NAMES:
        return str(fake.first_name())
    if name in _FAMILY_NAMES:
        return str(fake.last_name())
    if name in _FULL_NAMES:
        return f"{fake.first_name()} {fake.last_name()}"
    if name.lower() == "username":
        return str(fake.user_name())
    if name == "remark":
        return f"order-{rng.randrange(10**5):05d}"
    return None


def _amount(rule: FieldRule, rng: random.Random) -> str:
    """A round amount from the minimum (at least 100) up, within the maximum."""
    from decimal import Decimal

    low = max(rule.min or Decimal(0), Decimal(100))
    if rule.max is not None:
        low = min(low, rule.max)
    value = (low * rng.choice((1, 2, 5, 10, 20, 50))).to_integral_value()
    if rule.max is not None:
        value = min(value, rule.max)
    if rule.decimals > 0:
        cents = value + Decimal(rng.choice((0, 25, 50, 99))) / 100
        if rule.max is None or cents <= rule.max:
            return f"{cents:.{min(rule.decimals, 2)}f}"
    return str(value)
