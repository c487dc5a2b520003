#!/usr/bin/env bash
# Build the Dockerfile into a real image and prove it works, without a Docker engine:
#   1. installs buildah, podman and debootstrap if missing (apt-get);
#   2. bootstraps a Debian bookworm base with Python once and reuses it (localhost/vexora-base);
#   3. builds the Dockerfile on that base (`buildah bud --from`, which replaces its FROM);
#   4. checks what the image declares (entrypoint, cmd, user, port, env, healthcheck) and
#      that the venv carries no pip and no test extras;
#   5. runs exactly the image's ENTRYPOINT + CMD (`buildah run`, chroot isolation, host
#      network) on a free port, waits for health, runs the image's own HEALTHCHECK command,
#      then scripts/container_smoke.py: the shipped scenarios are the ones served, a signed
#      disbursement, its signed callback, the request journal;
#   6. stops it with SIGTERM and requires a clean exit (code 0) within 2 seconds.
# It prints the image size and the time taken. A re-run reuses the tools, the base image
# and the unchanged build steps.
#
# Usage (as root: apt-get and buildah's chroot isolation need it):
#   scripts/check-container.sh
# Environment:
#   IMAGE=localhost/vexora-sandbox:test   the tag to build and check
#   CHECK_CALLBACK=0                      skip the callback and journal checks (development only)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BASE_IMAGE=localhost/vexora-base:bookworm
IMAGE=${IMAGE:-localhost/vexora-sandbox:test}
HEALTH_TIMEOUT=30 # seconds for the server to answer /_sandbox/health
STOP_TIMEOUT=2    # seconds a container gets between SIGTERM and SIGKILL
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

say() { printf '==> %s\n' "$*"; }
die() {
    printf '\ncheck-container: FAIL: %s\n' "$*" >&2
    exit 1
}

workdir=$(mktemp -d "${TMPDIR:-/tmp}/check-container.XXXXXX")
server_log="$workdir/server.log"
container=""
run_pid=""
server_pid=""
base_root=""

# A pid is ours only while it still runs the command we started (pids get reused).
alive() { [[ -n $1 ]] && kill -0 "$1" 2>/dev/null; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if alive "$server_pid" && grep -qa 'vexora-sandbox' "/proc/$server_pid/cmdline" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if alive "$run_pid"; then
        kill -KILL "$run_pid" 2>/dev/null || true
        wait "$run_pid" 2>/dev/null || true
    fi
    if [[ -n $container ]]; then
        buildah rm "$container" >/dev/null 2>&1 || printf 'warning: buildah rm %s failed\n' "$container" >&2
    fi
    if [[ -n $base_root && -d $base_root ]]; then
        rm -rf --one-file-system "$base_root" || true
    fi
    if ((rc != 0)) && [[ -s $server_log ]]; then
        printf '\n--- the container output (last 40 lines) ---\n' >&2
        tail -n 40 "$server_log" >&2
    fi
    rm -rf "$workdir"
    if ((rc == 0)); then
        say "PASSED in ${SECONDS}s"
    else
        printf 'check-container: failed after %ss (exit %s)\n' "$SECONDS" "$rc" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

((EUID == 0)) || die "run as root (apt-get and buildah's chroot isolation need it): sudo $0"
# Runs share the image tag, the base image and the clean-up of stale build images: one at a time.
exec 9>"${TMPDIR:-/tmp}/vexora-check-container.lock"
if ! flock --nonblock 9; then
    say "another check-container run holds the lock; waiting (up to 15 minutes)"
    flock --timeout 900 9 || die "gave up waiting for the other check-container run"
fi
[[ -f $REPO/Dockerfile ]] || die "no Dockerfile in $REPO"
command -v python3 >/dev/null || die "python3 is needed on the host (it runs the smoke check)"

# --- 1. tools ---------------------------------------------------------------------------
missing=()
for tool in buildah podman debootstrap; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq buildah podman debootstrap >"$workdir/apt.log" 2>&1 ||
        { tail -n 20 "$workdir/apt.log" >&2; die "apt-get install buildah podman debootstrap failed"; }
else
    say "buildah, podman and debootstrap are installed"
fi

# --- 2. base image: a debootstrapped Debian with python3 (no registry needed) --------------
if buildah images --format '{{.Name}}:{{.Tag}}' | grep -qxF "$BASE_IMAGE"; then
    say "reusing the base image $BASE_IMAGE"
else
    mirror=""
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
        mirror=$(awk '$1 == "deb" {print ($2 ~ /^\[/ ? $3 : $2); exit}' /etc/apt/sources.list)
    fi
    mirror=${mirror:-http://deb.debian.org/debian}
    say "bootstrapping $BASE_IMAGE from $mirror (once; one to two minutes)"
    base_root=$(mktemp -d /var/tmp/vexora-base-root.XXXXXX)
    debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
        bookworm "$base_root" "$mirror" >"$workdir/debootstrap.log" 2>&1 ||
        { tail -n 20 "$workdir/debootstrap.log" >&2; die "debootstrap failed"; }
    tar -C "$base_root" -c . | podman import --quiet - "$BASE_IMAGE" >/dev/null ||
        die "podman import of the base image failed"
    rm -rf --one-file-system "$base_root"
    base_root=""
fi

# --- 3. build -------------------------------------------------------------------------------
say "building $IMAGE from $REPO/Dockerfile (FROM replaced by $BASE_IMAGE)"
old_image=$(buildah images --quiet --no-trunc "$IMAGE" 2>/dev/null || true)
build_start=$SECONDS
# --format docker: the OCI format has no HEALTHCHECK; --layers: a re-run reuses unchanged steps.
buildah bud --format docker --layers --isolation chroot --network host \
    -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
    -v /etc/resolv.conf:/etc/resolv.conf:ro \
    --from "$BASE_IMAGE" -t "$IMAGE" -f "$REPO/Dockerfile" "$REPO" >"$workdir/build.log" 2>&1 ||
    { tail -n 40 "$workdir/build.log" >&2; die "buildah bud failed (output above)"; }
new_image=$(buildah images --quiet --no-trunc "$IMAGE")
say "built in $((SECONDS - build_start))s"
# Tidy up after earlier builds so that re-runs do not pile up images: the previous image
# (now untagged) and the untagged stage images of this Dockerfile (its label) that this
# build did not use. Other images are left alone.
if [[ -n $old_image && $old_image != "$new_image" ]]; then
    buildah rmi "$old_image" >/dev/null 2>&1 || true
fi
used=" $(grep -oE '^--> (Using cache )?[0-9a-f]{11}' "$workdir/build.log" | grep -oE '[0-9a-f]{11}$' | tr '\n' ' ') "
for id in $(buildah images --noheading --format '{{.ID}}' --filter dangling=true \
    --filter label=org.opencontainers.image.title=vexora-sandbox); do
    [[ $used == *" ${id:0:11} "* ]] || buildah rmi "$id" >/dev/null 2>&1 || true
done

# --- 4. what the image declares -------------------------------------------------------------
buildah inspect --type image "$IMAGE" >"$workdir/inspect.json"
python3 - "$workdir/inspect.json" "$workdir" <<'PY' || die "the image does not declare what the Dockerfile must"
import json, sys

info = json.load(open(sys.argv[1]))
out = sys.argv[2]
oci = info["OCIv1"]["config"]
docker = (info.get("Docker") or {}).get("config") or {}
problems = []
if oci.get("Entrypoint") != ["vexora-sandbox"]:
    problems.append(f"ENTRYPOINT is {oci.get('Entrypoint')!r}, not ['vexora-sandbox']")
if oci.get("Cmd") != ["serve"]:
    problems.append(f"CMD is {oci.get('Cmd')!r}, not ['serve']")
user = oci.get("User") or ""
if user.split(":")[0] in ("", "0", "root"):
    problems.append(f"USER is {user!r}: the image must not run as root")
if "8080/tcp" not in (oci.get("ExposedPorts") or {}):
    problems.append(f"port 8080 is not exposed: {oci.get('ExposedPorts')!r}")
env = dict(item.split("=", 1) for item in oci.get("Env") or [])
for name, value in {
    "VEXORA_SANDBOX_HOST": "0.0.0.0",
    "VEXORA_SANDBOX_PORT": "8080",
    "VEXORA_SANDBOX_SCENARIOS": "/etc/vexora-sandbox/scenarios",
}.items():
    if env.get(name) != value:
        problems.append(f"ENV {name} is {env.get(name)!r}, not {value!r}")
test = (docker.get("Healthcheck") or {}).get("Test") or []
if not test or test[0] not in ("CMD", "CMD-SHELL"):
    problems.append(f"no HEALTHCHECK: {docker.get('Healthcheck')!r}")
elif "curl" in " ".join(test):
    problems.append("the HEALTHCHECK uses curl, which the image does not have")
if problems:
    print("\n".join("  " + p for p in problems), file=sys.stderr)
    sys.exit(1)
# What the run below executes: exactly the declared entrypoint + cmd, and the healthcheck.
with open(f"{out}/command", "w") as f:
    f.write("\0".join(oci["Entrypoint"] + oci["Cmd"]) + "\0")
with open(f"{out}/healthcheck", "w") as f:
    argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
    f.write("\0".join(argv) + "\0")
print(f"  entrypoint {oci['Entrypoint']}, cmd {oci['Cmd']}, user {user}, "
      f"exposes {sorted(oci['ExposedPorts'])}")
print(f"  healthcheck {test}")
PY
mapfile -d '' -t command <"$workdir/command"
mapfile -d '' -t healthcheck <"$workdir/healthcheck"

container=$(buildah from "$IMAGE")
# The final venv holds the package and its runtime dependencies only.
buildah run --isolation chroot --network host "$container" -- python3 -c '
import importlib.util, sys
runtime = ("vexora_sandbox", "aiohttp", "yaml", "faker", "jinja2", "prometheus_client", "uvloop")
absent = [m for m in runtime if not importlib.util.find_spec(m)]
present = [m for m in ("pip", "pytest", "hypothesis", "mypy", "ruff", "hatchling", "playwright")
           if importlib.util.find_spec(m)]
if absent or present:
    sys.exit(f"missing: {absent}; should not be installed: {present}")
print(f"  venv: {sys.prefix}, runtime dependencies only (no pip, no test extras)")
' || die "the image's venv is not as expected"

# --- 5. run it ------------------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
buildah config --env "VEXORA_SANDBOX_PORT=$port" --env VEXORA_SANDBOX_TIME_SCALE=0.01 "$container"
say "running the image's command: ${command[*]} (port $port, time scale 0.01)"
run_start=$SECONDS
buildah run --isolation chroot --network host "$container" -- "${command[@]}" >"$server_log" 2>&1 &
run_pid=$!

until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' \
    "$url/_sandbox/health" 2>/dev/null; do
    alive "$run_pid" || die "the container exited before answering $url/_sandbox/health"
    ((SECONDS - run_start < HEALTH_TIMEOUT)) || die "no answer from $url/_sandbox/health within ${HEALTH_TIMEOUT}s"
    sleep 0.2
done
say "healthy after about $((SECONDS - run_start))s"

# The server process: a descendant of `buildah run` whose command line is the image's.
descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "$child"
        descendants "$child"
    done
}
for pid in $(descendants "$run_pid"); do
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'vexora-sandbox serve'; then
        server_pid=$pid
    fi
done
[[ -n $server_pid ]] || die "cannot find the 'vexora-sandbox serve' process under buildah run ($run_pid)"
server_uid=$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status")
((server_uid != 0)) || die "the server runs as root"
say "server pid $server_pid runs as uid $server_uid: $(tr '\0' ' ' <"/proc/$server_pid/cmdline")"

timeout 20 buildah run --isolation chroot --network host "$container" -- "${healthcheck[@]}" ||
    die "the image's HEALTHCHECK command failed against the running server"
say "the image's HEALTHCHECK command passes"

python3 "$REPO/scripts/container_smoke.py" --url "$url" --merchant 0000000001 \
    --secret sandbox-secret --callback-timeout 10 \
    --scenarios-path /etc/vexora-sandbox/scenarios --scenarios-dir "$REPO/scenarios" ||
    die "the smoke check failed"

# --- 6. SIGTERM -----------------------------------------------------------------------------
# A container runtime stops a container by sending SIGTERM to its main process (PID 1: here
# the python server, thanks to the exec-form ENTRYPOINT), so that is where SIGTERM goes.
# Not to `buildah run` itself: on SIGTERM it SIGKILLs its child ("subprocess exited on
# killed", exit 1), which would test buildah rather than the image. `buildah run` exits by
# itself, with the server's exit code, once the server has stopped.
say "stopping with SIGTERM to the server (pid $server_pid), as a runtime stops PID 1"
stop_start=$(date +%s%N)
kill -TERM "$server_pid"
while alive "$run_pid" && (($(date +%s%N) - stop_start < STOP_TIMEOUT * 1000000000)); do
    sleep 0.05
done
if alive "$run_pid"; then
    alive "$server_pid" && die "the server still runs ${STOP_TIMEOUT}s after SIGTERM"
    die "the server stopped but buildah run ($run_pid) still runs ${STOP_TIMEOUT}s after SIGTERM"
fi
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
rc=0
wait "$run_pid" || rc=$?
run_pid=""
alive "$server_pid" && die "buildah run exited but the server ($server_pid) still runs"
server_pid=""
grep -q 'shutting down' "$server_log" || die "the server did not log a shutdown on SIGTERM"
((rc == 0)) || die "the container exited with code $rc after SIGTERM (expected 0)"
if grep -q 'Traceback' "$server_log"; then die "the server printed a traceback"; fi
say "exited with code 0, ${stop_ms} ms after SIGTERM"

buildah rm "$container" >/dev/null
container=""
say "image $IMAGE: $(buildah images --format '{{.Size}}' "$IMAGE")" \
    "(the base $BASE_IMAGE: $(buildah images --format '{{.Size}}' "$BASE_IMAGE"))"
