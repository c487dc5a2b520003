"""Properties of the signature (protocol.signing), for any flat body and any secret."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from tests.support.fuzz import FUZZ
from tests.support.vectors import CALLBACK_VECTOR, DOCS_EXAMPLE_VECTOR, TIMESTAMP_ONLY_VECTOR
from vexora_sandbox.protocol.jsonbody import parse_body
from vexora_sandbox.protocol.signing import SIGN_FIELD, canonical_string, sign, verify

# UTF-8 encodable text only: a lone surrogate cannot be signed (parse_body refuses it).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
NAMES = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10).filter(
    lambda n: n != SIGN_FIELD
)
VALUES = st.one_of(
    TEXT.filter(lambda t: t != ""),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
)
BODIES = st.dictionaries(NAMES, VALUES, max_size=8)
SECRETS = TEXT


@FUZZ
@given(body=BODIES, secret=SECRETS, data=st.data())
def test_the_canonical_string_ignores_field_order(
    body: dict[str, Any], secret: str, data: st.DataObject
) -> None:
    shuffled = dict(data.draw(st.permutations(list(body.items()))))
    assert canonical_string(shuffled) == canonical_string(body)
    assert sign(shuffled, secret) == sign(body, secret)


@FUZZ
@given(body=BODIES, secret=SECRETS, upper=st.booleans())
def test_a_signed_body_verifies(body: dict[str, Any], secret: str, upper: bool) -> None:
    signature = sign(body, secret)
    assert len(signature) == 32 and signature == signature.lower()
    assert verify({**body, SIGN_FIELD: signature.upper() if upper else signature}, secret)


@FUZZ
@given(body=BODIES, secret=SECRETS, other=SECRETS)
def test_another_secret_does_not_verify(body: dict[str, Any], secret: str, other: str) -> None:
    assume(other != secret)
    assume(canonical_string(body) + secret != canonical_string(body) + other)
    assert not verify({**body, SIGN_FIELD: sign(body, secret)}, other)


@FUZZ
@given(body=BODIES.filter(bool), secret=SECRETS, data=st.data())
def test_changing_any_signed_value_breaks_the_sign(
    body: dict[str, Any], secret: str, data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(body)))
    new = data.draw(VALUES)
    changed = {**body, name: new}
    assume(canonical_string(changed) != canonical_string(body))
    assert not verify({**changed, SIGN_FIELD: sign(body, secret)}, secret)


@FUZZ
@given(body=BODIES, secret=SECRETS, empties=st.dictionaries(NAMES, st.sampled_from([None, ""])))
def test_empty_and_null_values_do_not_matter(
    body: dict[str, Any], secret: str, empties: dict[str, Any]
) -> None:
    padded = {**empties, **body}
    assert canonical_string(padded) == canonical_string(body)
    assert sign(padded, secret) == sign(body, secret)


@FUZZ
@given(body=BODIES, secret=SECRETS, old=st.one_of(st.none(), TEXT))
def test_the_sign_field_itself_is_not_signed(
    body: dict[str, Any], secret: str, old: str | None
) -> None:
    assert sign({**body, SIGN_FIELD: old}, secret) == sign(body, secret)


@FUZZ
@given(body=BODIES, secret=SECRETS)
def test_the_wire_text_signs_like_the_values(body: dict[str, Any], secret: str) -> None:
    # What a client signs before sending is what the sandbox signs after parsing: numbers
    # by their literal JSON text, booleans as true/false.
    parsed = parse_body(json.dumps(body).encode()) if body else {}
    assert sign(parsed, secret) == sign(body, secret)


# The signature test vectors: (body, secret, sign).
VECTORS = [
    (body, secret, expected)
    for body, secret, _, expected in (DOCS_EXAMPLE_VECTOR, CALLBACK_VECTOR, TIMESTAMP_ONLY_VECTOR)
]


@FUZZ
@given(index=st.sampled_from(range(len(VECTORS))), data=st.data())
def test_the_reference_vectors_hold_in_any_order_and_with_empty_extras(
    index: int, data: st.DataObject
) -> None:
    body, secret, expected = VECTORS[index]
    shuffled = dict(data.draw(st.permutations(list(body.items()))))
    empties = data.draw(st.dictionaries(NAMES, st.sampled_from([None, ""]), max_size=3))
    padded = {**empties, **shuffled}
    assert sign(padded, secret) == expected
    assert verify({**padded, SIGN_FIELD: expected}, secret)
