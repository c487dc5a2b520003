"""What a merchant's tests import: named in ``vexora_sandbox.__all__``, documented, typed."""

from __future__ import annotations

import inspect
from importlib import resources

import vexora_sandbox

PROMISED = {
    "sign",
    "verify",
    "canonical_string",
    "SandboxServer",
    "SandboxClient",
    "MerchantClient",  # what vexora_sandbox is against a shared sandbox (docs/pytest.md)
    "AdminClient",
    "CallbackReceiver",
    "Reply",
    "ReceivedCallback",
    "SandboxError",
    "SandboxConfig",
    "Merchant",  # for vexora_sandbox_config's merchants (docs/pytest.md)
}


def test_the_helpers_are_exported() -> None:
    assert set(vexora_sandbox.__all__) >= PROMISED
    for name in vexora_sandbox.__all__:
        assert hasattr(vexora_sandbox, name), name


def test_the_testing_module_exports_its_helpers_too() -> None:
    import vexora_sandbox.testing as testing

    helpers = PROMISED - {"sign", "verify", "canonical_string", "SandboxConfig", "Merchant"}
    assert set(testing.__all__) >= helpers
    for name in helpers:
        assert getattr(testing, name) is getattr(vexora_sandbox, name), name


def test_a_merchant_client_is_a_sandbox_client_importable_from_the_package() -> None:
    from vexora_sandbox import MerchantClient, SandboxClient

    client = MerchantClient("http://127.0.0.1:9", merchant_no="0000000042", secret="s")
    assert isinstance(client, SandboxClient)
    assert (client.merchant_no, client.secret) == ("0000000042", "s")


def test_every_export_and_public_method_is_documented() -> None:
    for name in PROMISED:
        obj = getattr(vexora_sandbox, name)
        assert inspect.getdoc(obj), name
        if not inspect.isclass(obj) or name == "SandboxConfig":  # configuration.md
            continue
        for attr, member in vars(obj).items():
            function = member.fget if isinstance(member, property) else member
            if attr.startswith("_") or not callable(function):
                continue
            assert inspect.getdoc(function), f"{name}.{attr}"


def test_the_package_is_typed() -> None:
    assert resources.files("vexora_sandbox").joinpath("py.typed").is_file()
