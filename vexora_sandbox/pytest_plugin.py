"""pytest fixtures for testing a merchant integration against the Vexora sandbox.

Registered through the ``pytest11`` entry point: installing the package is enough. The
fixtures (docs/pytest.md):

- ``vexora_sandbox_config`` (session): the SandboxConfig of the in-process sandbox;
  override it in a conftest.py to load your scenarios or merchants.
- ``vexora_sandbox`` (function): a SandboxServer started on first use and shared by the
  session, reset before each test; or, with ``VEXORA_SANDBOX_URL`` set, a SandboxClient of
  that running sandbox, reset through its admin API.
- ``vexora_callback_receiver`` (function): a CallbackReceiver shared by the session,
  cleared before each test, verifying signs with the sandbox merchant's secret; it listens
  on ``VEXORA_SANDBOX_RECEIVER_HOST`` (default 127.0.0.1) and its ``url`` names
  ``VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST`` (default: that host), for a sandbox that
  reaches the tests through another network (a CI service container).

An exception raised inside the in-process sandbox while a test runs fails that test with
the exception's own traceback.

Loading the plugin imports neither aiohttp nor the server: a merchant's ``pytest`` starts as
fast without them, and the server is imported by the first fixture that needs it.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vexora_sandbox.config import CLIENT, SandboxConfig, client_environment

if TYPE_CHECKING:
    from vexora_sandbox.testing import CallbackReceiver, SandboxClient
# The in-process sandbox runs callback delays and retries 100 times faster: the default
# SUCCESS callback comes 20 ms after the payout instead of 2 s.
DEFAULT_TIME_SCALE = 0.01
_SESSION_FIXTURE = "_vexora_sandbox_session"
_CONFIG_FIXTURE = "vexora_sandbox_config"
# The folder of the file that defines the vexora_sandbox_config in use (a conftest.py).
_CONFIG_HOME = pytest.StashKey[Path]()


@dataclass(frozen=True)
class SandboxTarget:
    """Which sandbox the fixtures use: ``url`` None means one started in-process.

    ``receiver_host`` is where the callback receiver listens, ``receiver_advertised_host``
    the host name its URL gives (None: the CallbackReceiver's default for that host).
    """

    url: str | None
    merchant_no: str
    secret: str
    admin_token: str | None
    receiver_host: str
    receiver_advertised_host: str | None
    # External mode: True when VEXORA_SANDBOX_MERCHANT_NO names the merchant every test
    # uses; False gives each test a merchant of its own, created on the sandbox.
    pinned: bool = True


def sandbox_target(
    config: SandboxConfig, environ: Mapping[str, str] | None = None
) -> SandboxTarget:
    """The sandbox to use: ``VEXORA_SANDBOX_URL`` if set, else ``config`` in-process.

    For an external sandbox the merchant and the admin token come from
    ``VEXORA_SANDBOX_MERCHANT_NO``, ``VEXORA_SANDBOX_SECRET`` and
    ``VEXORA_SANDBOX_ADMIN_TOKEN``, each falling back on ``config``. Either way the
    callback receiver listens on ``VEXORA_SANDBOX_RECEIVER_HOST`` (default 127.0.0.1) and
    is advertised as ``VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST``.
    """
    merchant = config.merchants[0]
    env = client_environment(environ)
    url = env.get("url")
    receiver_host = env.get("receiver_host") or CLIENT["receiver_host"].default
    advertised_host = env.get("receiver_advertised_host")
    if url is None:
        return SandboxTarget(
            None,
            merchant.merchant_no,
            merchant.secret,
            config.admin_token,
            receiver_host,
            advertised_host,
        )
    return SandboxTarget(
        url,
        env.get("merchant_no") or merchant.merchant_no,
        env.get("secret") or merchant.secret,
        env.get("admin_token") or config.admin_token,
        receiver_host,
        advertised_host,
        pinned=bool(env.get("merchant_no")),
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "vexora_sandbox_wait",
        f"seconds to wait for the sandbox named by {CLIENT['url'].env} to answer (default 10)",
        default="10",
    )
    parser.addini(
        "vexora_sandbox_check_answers",
        "fail a test whose calls the sandbox answered with code 8000 or 5000, unless it is "
        "marked vexora_sandbox_expect_errors (default false)",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "vexora_sandbox_expect_errors(*codes): this test expects the sandbox to answer some "
        "of its calls with these codes (default 8000 and 5000); see vexora_sandbox_check_answers",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_fixture_setup(
    fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest
) -> None:
    """Note where the vexora_sandbox_config in use is defined, to resolve its paths there."""
    if fixturedef.argname == _CONFIG_FIXTURE:
        with contextlib.suppress(TypeError):  # a builtin or C function has no file
            request.config.stash[_CONFIG_HOME] = Path(inspect.getfile(fixturedef.func)).parent


def resolve_paths(config: SandboxConfig, home: Path) -> SandboxConfig:
    """``config`` with its relative ``scenarios`` and ``areas_dir`` made absolute from ``home``.

    ``scenarios="scenarios"`` in a conftest.py means the folder beside that file, whatever
    directory pytest runs from; an error then names the absolute path that was tried.
    """
    changes = {
        name: str(home / value)
        for name in ("scenarios", "areas_dir")
        if (value := getattr(config, name)) and not Path(value).is_absolute()
    }
    return config.replace(**changes) if changes else config


@pytest.fixture(scope="session")
def vexora_sandbox_config() -> SandboxConfig:
    """The in-process sandbox's configuration; override it to change scenarios or merchants.

    The default is ``SandboxConfig(time_scale=0.01)``: the built-in merchant
    ``0000000001`` / ``sandbox-secret``, the shipped scenarios, callbacks 100 times faster.
    """
    return SandboxConfig(time_scale=DEFAULT_TIME_SCALE)


@pytest.fixture(scope="session")
def _vexora_sandbox_target(vexora_sandbox_config: SandboxConfig) -> SandboxTarget:
    return sandbox_target(vexora_sandbox_config)


@pytest.fixture(scope="session")
def _vexora_sandbox_session(
    request: pytest.FixtureRequest,
    vexora_sandbox_config: SandboxConfig,
    _vexora_sandbox_target: SandboxTarget,
) -> Iterator[SandboxClient]:
    """One sandbox for the session, started by the first test that asks for it."""
    from vexora_sandbox.testing import SandboxClient, SandboxError, SandboxServer

    target = _vexora_sandbox_target
    if target.url is not None:
        client = SandboxClient(
            target.url,
            merchant_no=target.merchant_no,
            secret=target.secret,
            admin_token=target.admin_token,
        )
        try:
            client.wait_ready(float(request.config.getini("vexora_sandbox_wait")))
        except SandboxError as exc:
            pytest.fail(
                f"{exc}; {CLIENT['url'].env} names a sandbox that is not running", pytrace=False
            )
        problem = _external_problem(client, target)
        if problem:
            pytest.fail(problem, pytrace=False)
        yield client
        return
    home = request.config.stash.get(_CONFIG_HOME, request.config.rootpath)
    with SandboxServer(resolve_paths(vexora_sandbox_config, home)) as server:
        yield server


def _external_problem(client: SandboxClient, target: SandboxTarget) -> str | None:
    """Why an external sandbox cannot serve these tests (checked once, at the start)."""
    from vexora_sandbox.testing import SandboxError

    pinned_env, secret_env = CLIENT["merchant_no"].env, CLIENT["secret"].env
    try:
        if target.pinned:
            client.admin.request("GET", f"merchants/{target.merchant_no}")
        else:
            client.admin.request("GET", "merchants")
    except SandboxError as exc:
        if exc.status == 404 and target.pinned:
            return (
                f"{pinned_env}={target.merchant_no}, but the sandbox at {target.url} has "
                f"no merchant {target.merchant_no}: configure it there, or unset "
                f"{pinned_env} so that each test creates a merchant of its own"
            )
        if exc.status == 404:
            return (
                f"the sandbox at {target.url} cannot create merchants (no "
                f"/_sandbox/merchants: an older version?); set {pinned_env} and "
                f"{secret_env} to a merchant it is configured with"
            )
        return (
            f"the Vexora sandbox at {target.url} refused its admin API "
            f"(HTTP {exc.status}): {exc.reason}"
        )
    return None


@pytest.fixture
def _vexora_merchant(
    _vexora_sandbox_session: SandboxClient,
    _vexora_sandbox_target: SandboxTarget,
    vexora_sandbox_config: SandboxConfig,
) -> Iterator[tuple[str, str]]:
    """This test's merchant (merchantNo, secret): on an external sandbox without a pinned
    merchant, one created for the test and removed after it, with everything it has."""
    from vexora_sandbox.testing import SandboxError

    target = _vexora_sandbox_target
    if target.url is None or target.pinned:
        yield target.merchant_no, target.secret
        return
    like = vexora_sandbox_config.merchants[0]
    try:
        created = _vexora_sandbox_session.admin.create_merchant(
            area=like.area, balance=str(like.balance)
        )
    except SandboxError as exc:
        pytest.fail(f"could not create this test's merchant: {exc.reason}", pytrace=False)
    yield created["merchantNo"], created["secret"]
    # Already gone only if the sandbox restarted meanwhile: nothing left to remove.
    with contextlib.suppress(SandboxError):
        _vexora_sandbox_session.admin.delete_merchant(created["merchantNo"])


@pytest.fixture
def vexora_sandbox(
    _vexora_sandbox_session: SandboxClient,
    _vexora_sandbox_target: SandboxTarget,
    _vexora_merchant: tuple[str, str],
) -> SandboxClient:
    """The session's sandbox, reset (no orders, journals or pending callbacks) for this test.

    A SandboxServer in-process, or a SandboxClient when ``VEXORA_SANDBOX_URL`` is set: both
    have ``url``, ``merchant_no``, ``secret``, ``admin``, ``payout(...)``,
    ``query_payout(...)``, ``call(...)`` and ``reset()``. Against an external sandbox
    without ``VEXORA_SANDBOX_MERCHANT_NO``, each test has a merchant of its own (so that
    pytest-xdist workers and other suites can share the sandbox); its ``reset()`` resets
    that merchant only.
    """
    from vexora_sandbox.testing import SandboxError

    target = _vexora_sandbox_target
    if target.url is not None and not target.pinned:
        from vexora_sandbox.testing.client import MerchantClient

        merchant_no, secret = _vexora_merchant
        return MerchantClient(
            target.url, merchant_no=merchant_no, secret=secret, admin_token=target.admin_token
        )
    try:
        _vexora_sandbox_session.reset()
    except SandboxError as exc:
        pytest.fail(f"could not reset the Vexora sandbox: {exc}", pytrace=False)
    return _vexora_sandbox_session


@pytest.fixture(scope="session")
def _vexora_callback_receiver_session(
    _vexora_sandbox_target: SandboxTarget,
) -> Iterator[CallbackReceiver]:
    from vexora_sandbox.testing import CallbackReceiver

    target = _vexora_sandbox_target
    receiver = CallbackReceiver(
        secret=target.secret,
        host=target.receiver_host,
        advertised_host=target.receiver_advertised_host,
    )
    try:
        receiver.start()
    except OSError as exc:
        pytest.fail(
            f"the callback receiver cannot listen on {target.receiver_host!r} "
            f"({CLIENT['receiver_host'].env}): {exc}",
            pytrace=False,
        )
    with receiver:
        yield receiver


@pytest.fixture
def vexora_callback_receiver(
    _vexora_callback_receiver_session: CallbackReceiver, _vexora_merchant: tuple[str, str]
) -> CallbackReceiver:
    """A merchant callback endpoint at ``.url``: records, verifies signs, answers ``OK``.

    Shared by the session and cleared before each test (no callbacks, default replies).
    It listens on ``VEXORA_SANDBOX_RECEIVER_HOST`` (default 127.0.0.1); its ``url`` names
    ``VEXORA_SANDBOX_RECEIVER_ADVERTISED_HOST`` (default: that address, 127.0.0.1 for
    0.0.0.0), for a sandbox in another network namespace.
    """
    from vexora_sandbox.testing import Reply

    receiver = _vexora_callback_receiver_session
    receiver.clear()
    receiver.secret = _vexora_merchant[1]
    receiver.reply(Reply())
    return receiver


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail a test whose calls raised inside the in-process sandbox, with that traceback."""
    try:
        result = yield
    except BaseException:
        # Raised here, the sandbox's exception is chained after the test's own failure
        # (usually the 5000 answer it caused).
        _raise_sandbox_errors(item)
        raise
    _raise_sandbox_errors(item)
    _check_answers(item)
    return result


def _check_answers(item: pytest.Item) -> None:
    """With ``vexora_sandbox_check_answers``, fail a test the sandbox answered with an
    8000 or 5000 that its ``vexora_sandbox_expect_errors`` marker does not allow."""
    if not item.config.getini("vexora_sandbox_check_answers"):
        return
    sandbox = (getattr(item, "funcargs", None) or {}).get("vexora_sandbox")
    if sandbox is None:
        return
    marker = item.get_closest_marker("vexora_sandbox_expect_errors")
    allowed = set(marker.args or ("8000", "5000")) if marker else set()
    unexpected = [
        entry
        for entry in sandbox.admin.requests(merchantNo=sandbox.merchant_no)
        if (entry.get("response") or {}).get("code") in {"8000", "5000"} - allowed
    ]
    if unexpected:
        lines = [
            f"  {e.get('endpoint')} tradeNo={(e.get('body') or {}).get('tradeNo')}: "
            f"{e['response']['code']} {e['response'].get('msg')}"
            for e in unexpected
        ]
        pytest.fail(
            f"the Vexora sandbox answered {len(unexpected)} call(s) of this test with an error "
            "it did not expect (mark it vexora_sandbox_expect_errors if it does):\n"
            + "\n".join(lines),
            pytrace=False,
        )


def _raise_sandbox_errors(item: pytest.Item) -> None:
    funcargs = getattr(item, "funcargs", None) or {}
    sandbox = funcargs.get(_SESSION_FIXTURE)
    if sandbox is None or "vexora_sandbox.testing.server" not in sys.modules:
        return  # no test asked for a sandbox, so no server was ever imported or started
    from vexora_sandbox.testing import SandboxServer

    if not isinstance(sandbox, SandboxServer) or not sandbox.errors:
        return
    sandbox.errors[0].add_note(
        "raised inside the in-process Vexora sandbox (the vexora_sandbox fixture) while "
        "serving this test; the call that hit it was answered with code 5000 (an admin call: "
        "HTTP 500)"
    )
    sandbox.raise_errors()
