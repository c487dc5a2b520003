"""The ``/_sandbox/`` admin API in the OpenAPI document (docs/admin-api.md in schema form).

The admin routes are code, not area data: their shapes are written here, next to the
generator that reads the areas (``openapi.py``).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]
REF = "#/components/schemas/"
PREFIX = "/_sandbox"
_ERRORS = {
    "400": "A bad parameter or body",
    "401": "The admin token is missing or wrong",
    "404": "An unknown order, callback, merchant, scenario or route",
    "408": "A long-poll found nothing in time",
    "409": "The request does not fit the state",
    "422": "Invalid scenarios; nothing changed",
}


def _ref(name: str) -> Schema:
    return {"$ref": REF + name}


def _json(schema: Schema) -> Schema:
    return {"application/json": {"schema": schema}}


def _query(name: str, schema: Schema | None = None, description: str = "") -> Schema:
    param: Schema = {"name": name, "in": "query", "schema": schema or {"type": "string"}}
    if description:
        param["description"] = description
    return param


def _path(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


MERCHANT = _query("merchantNo", description="limit to this merchant (404 if it does not exist)")


def _op(
    summary: str,
    answer: Schema,
    *,
    errors: tuple[str, ...] = (),
    params: tuple[Schema, ...] = (),
    body: Schema | None = None,
    status: str = "200",
    public: bool = False,
) -> Schema:
    responses: Schema = {status: {"description": summary, "content": _json(answer)}}
    for code in (*errors, *(() if public else ("401",))):
        responses[code] = {"description": _ERRORS[code], "content": _json(_ref("AdminError"))}
    op: Schema = {"tags": ["admin"], "summary": summary, "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": False, "content": body}
    op["security"] = [{}] if public else [{}, {"adminToken": []}]
    return op


def _object(required: tuple[str, ...] = (), **properties: Schema) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
BOOL: Schema = {"type": "boolean"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
MERCHANT_BODY = _json(_object(merchantNo=STRING))


def _list_of(key: str, item: str, **extra: Schema) -> Schema:
    return _object(
        (key, "count", *extra), **{key: {"type": "array", "items": _ref(item)}}, count=INT, **extra
    )


def admin_paths() -> dict[str, Schema]:
    p = PREFIX
    scenario_body = {
        "text/yaml": {"schema": {"type": "string"}},
        "application/json": {"schema": {"type": ["object", "array"]}},
    }
    scenario_params = (MERCHANT,)
    return {
        f"{p}/health": {
            "get": _op(
                "Liveness and version",
                _object(("status", "version"), status=STRING, version=STRING),
                public=True,
            )
        },
        f"{p}/openapi.json": {
            "get": _op(
                "This document (one area's with ?area=)",
                {"type": "object"},
                errors=("404",),
                params=(_query("area"),),
            )
        },
        f"{p}/merchants": {
            "get": _op("Every merchant, never a secret", _list_of("merchants", "Merchant")),
            "post": _op(
                "Create a merchant; the answer is the only place its secret is shown",
                {"allOf": [_ref("Merchant"), _object(("secret",), secret=STRING)]},
                errors=("400", "409"),
                body=_json(_ref("NewMerchant")),
                status="201",
            ),
        },
        f"{p}/merchants/{{merchantNo}}": {
            "parameters": [_path("merchantNo")],
            "get": _op("One merchant", _ref("Merchant"), errors=("404",)),
            "delete": _op(
                "Remove a runtime merchant with its orders, callbacks and scenarios",
                _object(("deleted",), deleted=STRING, deletedOrders=INT, cancelledCallbacks=INT),
                errors=("404", "409"),
            ),
        },
        f"{p}/transactions": {
            "get": _op(
                "Orders, filtered",
                _list_of("transactions", "Transaction"),
                errors=("404",),
                params=(MERCHANT, _query("tradeNo"), _query("status"), _query("endpoint")),
            )
        },
        f"{p}/transactions/{{tradeNo}}": {
            "parameters": [_path("tradeNo")],
            "get": _op(
                "One order with its history",
                _ref("Transaction"),
                errors=("404", "409"),
                params=(MERCHANT,),
            ),
        },
        f"{p}/transactions/{{tradeNo}}/status": {
            "parameters": [_path("tradeNo")],
            "post": _op(
                "Force a status and send its callback",
                _object(
                    ("transaction", "applied", "previousStatus", "callback"),
                    transaction=_ref("Transaction"),
                    applied=BOOL,
                    previousStatus=STRING,
                    callback=INT,
                ),
                errors=("400", "404", "409"),
                body=_json(
                    _object(
                        ("status",), status=STRING, message=STRING, amount=STRING, merchantNo=STRING
                    )
                ),
            ),
        },
        f"{p}/transactions/{{tradeNo}}/payments": {
            "parameters": [_path("tradeNo")],
            "post": _op(
                "The payer pays the pay-in (in full, in part, fails), or pays a paid "
                "Australia or Mexico order again; the callback goes out at once",
                _object(
                    ("transaction", "payment", "callback"),
                    transaction=_ref("Transaction"),
                    payment=_object(
                        ("amount", "status", "repeat"), amount=STRING, status=STRING, repeat=BOOL
                    ),
                    callback={"type": ["integer", "null"]},
                ),
                errors=("400", "404", "409"),
                body=_json(_object(amount=STRING, status=STRING, merchantNo=STRING)),
            ),
        },
        f"{p}/requests": {
            "get": _op(
                "The journal of gateway calls",
                _list_of("requests", "JournalEntry", dropped=INT),
                errors=("400", "404"),
                params=_request_filters(),
            )
        },
        f"{p}/requests/count": {
            "get": _op(
                "How many journaled gateway calls match the filters",
                _object(("count", "dropped"), count=INT, dropped=INT),
                errors=("400", "404"),
                params=_request_filters(),
            )
        },
        f"{p}/callbacks": {
            "get": _op(
                "Callbacks with every attempt; wait=S long-polls",
                _list_of("callbacks", "Callback", pending=INT, dropped=INT),
                errors=("400", "404", "408"),
                params=(
                    _query("tradeNo"),
                    MERCHANT,
                    _query("status"),
                    _query("acknowledged", {"type": "string", "enum": ["true", "false"]}),
                    _query("wait", {"type": "number", "minimum": 0, "maximum": 300}),
                ),
            )
        },
        f"{p}/callbacks/{{id}}": {
            "parameters": [_path("id")],
            "get": _op("One callback", _ref("Callback"), errors=("404",)),
        },
        f"{p}/callbacks/{{id}}/replay": {
            "parameters": [_path("id")],
            "post": _op(
                "Send a sent callback again, byte for byte",
                _object(("callback", "replayOf"), callback=INT, replayOf=INT),
                errors=("404", "409"),
            ),
        },
        f"{p}/reset": {
            "post": _op(
                "Forget everything, or one merchant's orders, callbacks, journal and "
                "runtime scenarios",
                _object(("reset", "cancelledCallbacks"), reset=STRING, cancelledCallbacks=INT),
                errors=("400", "404"),
                params=(MERCHANT,),
                body=MERCHANT_BODY,
            )
        },
        f"{p}/clock": {"get": _op("The sandbox's time", _object(now=INT, manual=BOOL))},
        f"{p}/clock/advance": {
            "post": _op(
                "Move the manual clock; due callbacks are attempted before the answer",
                _object(("now", "callbackAttempts"), now=INT, callbackAttempts=INT),
                errors=("400", "409"),
                body=_json(
                    _object(
                        ("seconds",),
                        seconds={"type": "number", "minimum": 0, "maximum": 10 * 365 * 86400},
                    )
                ),
            )
        },
        f"{p}/scenarios": {
            "get": _op(
                "The scenarios in matching order, with their origin",
                _object(
                    ("scenarios",),
                    scenarios={"type": "array", "items": _ref("Scenario")},
                    files={"type": "array", "items": STRING},
                    generation=INT,
                    lastError=NULLABLE_STRING,
                ),
                errors=("404",),
                params=scenario_params,
            ),
            "post": _op(
                "Add runtime scenarios (YAML or JSON, the files' format), of a merchant or global",
                _object(
                    ("added", "replaced"),
                    added={"type": "array", "items": STRING},
                    replaced={"type": "array", "items": STRING},
                    merchantNo=NULLABLE_STRING,
                ),
                errors=("400", "404", "409", "422"),
                params=scenario_params,
                body=scenario_body,
                status="201",
            ),
            "delete": _op(
                "Delete every runtime scenario of a scope",
                _deleted(),
                errors=("404",),
                params=scenario_params,
            ),
        },
        f"{p}/scenarios/{{name}}": {
            "parameters": [_path("name")],
            "delete": _op(
                "Delete a runtime scenario by name",
                _deleted(),
                errors=("404", "409"),
                params=scenario_params,
            ),
        },
        f"{p}/scenarios/reload": {
            "post": _op(
                "Read the scenario files again",
                _object(("reloaded", "generation"), reloaded=INT, generation=INT),
                errors=("422",),
            )
        },
        f"{p}/settle": {
            "post": _op(
                "Settle collected pay-ins now",
                _object(
                    ("settled", "balances"), settled={"type": "object"}, balances={"type": "object"}
                ),
                errors=("400", "404"),
                params=(MERCHANT,),
                body=MERCHANT_BODY,
            )
        },
    }


def _deleted() -> Schema:
    return _object(
        ("deleted",), deleted={"type": "array", "items": STRING}, merchantNo=NULLABLE_STRING
    )


def _request_filters() -> tuple[Schema, ...]:
    return (
        MERCHANT,
        _query("endpoint"),
        _query("tradeNo"),
        _query("code", description="the answered envelope's code: 0000, 8000, 5000"),
        _query("httpStatus", {"type": "string", "pattern": "^[0-9]+$"}),
        _query("scenario"),
    )


def admin_components() -> dict[str, Schema]:
    balances = _object(availableAmount=STRING, freezeAmount=STRING, unsettledAmount=STRING)
    return {
        "AdminError": _object(("error",), error=STRING),
        "NewMerchant": {
            **_object(
                merchantNo={"type": "string", "pattern": "^[0-9]{10}$"},
                secret={"type": "string", "minLength": 1, "maxLength": 256},
                area=STRING,
                balance={"type": ["string", "number"], "description": "the starting balance"},
                notifyUrl={
                    "type": "string",
                    "format": "uri",
                    "maxLength": 2048,
                    "description": "where callbacks go when an order names none",
                },
            ),
            "additionalProperties": False,
        },
        "Merchant": _object(
            ("merchantNo", "area", "balance", "runtime", "balances"),
            merchantNo=STRING,
            area=STRING,
            balance=STRING,
            notifyUrl=NULLABLE_STRING,
            runtime=BOOL,
            balances=balances,
        ),
        "Transaction": _object(
            ("merchantNo", "tradeNo", "platFormTradeNo", "status", "history", "callbacks"),
            merchantNo=STRING,
            tradeNo=STRING,
            platFormTradeNo=STRING,
            kind={"type": "string", "enum": ["payout", "payin"]},
            endpoint=STRING,
            area=STRING,
            amount=STRING,
            paidAmount=NULLABLE_STRING,
            status=STRING,
            message=STRING,
            notifyUrl=STRING,
            createdAt=INT,
            successTime=NULLABLE_STRING,
            history={"type": "array", "items": _object(status=STRING, message=STRING, at=INT)},
            callbacks={"type": "array", "items": INT},
            repeats={
                "type": "array",
                "items": _object(amount=STRING, status=STRING, at=INT),
            },
        ),
        "JournalEntry": _object(
            ("time", "method", "path", "httpStatus"),
            id=INT,
            time=INT,
            method=STRING,
            path=STRING,
            endpoint=NULLABLE_STRING,
            merchantNo=NULLABLE_STRING,
            httpStatus=INT,
            response={"type": ["object", "null"]},
            error=STRING,
            scenario=STRING,
        ),
        "Callback": _object(
            ("id", "tradeNo", "status", "attempts"),
            id=INT,
            merchantNo=STRING,
            tradeNo=STRING,
            status=STRING,
            url=STRING,
            origin={"type": "string", "enum": ["scenario", "forced", "replay"]},
            body={"type": ["object", "null"]},
            sign=NULLABLE_STRING,
            acknowledged=BOOL,
            pending=BOOL,
            attempts={"type": "array", "items": {"type": "object"}},
        ),
        "Scenario": _object(
            ("name", "origin"),
            name=STRING,
            description=STRING,
            priority=INT,
            source=STRING,
            origin={"type": "string", "enum": ["file", "runtime"]},
            merchantNo=NULLABLE_STRING,
        ),
    }
