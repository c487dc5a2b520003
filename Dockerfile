# vexora-sandbox: the Vexora merchant API sandbox as a container.
#
#   docker build -t vexora-sandbox .
#   docker run --rm -p 8080:8080 vexora-sandbox
#
# docs/container.md has the settings, the scenarios volume, CI and compose examples;
# scripts/check-container.sh builds this file without a Docker engine and proves it works.
#
# Every stage derives from the one named "base", so the single FROM naming a public image
# is the first line below. `buildah bud --from <image>` replaces exactly that first FROM,
# which is how the check script builds on a locally bootstrapped Debian. The steps only
# assume a Debian Python whose interpreter is `python3`, true of both.
# 3.11 on bookworm: the same interpreter and Debian release as that check base.
FROM python:3.11-slim-bookworm AS base
LABEL org.opencontainers.image.title="vexora-sandbox" \
      org.opencontainers.image.description="A local, offline sandbox of the Vexora payment gateway's merchant API" \
      org.opencontainers.image.licenses="MIT"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# --- build: install the package (no test extras) into a venv; hatchling, pip and the
# source tree stay behind in this stage.
FROM base AS build
RUN python3 -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY vexora_sandbox ./vexora_sandbox
COPY scenarios ./scenarios
# The speed extra: serve runs on uvloop (bench/README.md: about 29 % less CPU per held create)
# and writes its answers and callback bodies with orjson (the same bytes, less CPU).
RUN /opt/venv/bin/pip install --no-cache-dir '.[speed]' \
 && /opt/venv/bin/pip uninstall --yes pip setuptools wheel

# --- final: the venv, the shipped scenarios, a non-root user.
FROM base
COPY --from=build /opt/venv /opt/venv
# The shipped scenarios, at a documented path; mount a volume here to replace them.
COPY scenarios /etc/vexora-sandbox/scenarios
# The state directory belongs to the server's user: a new volume takes its owner from it.
RUN groupadd --system --gid 10001 vexora \
 && useradd --system --uid 10001 --gid vexora --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin vexora \
 && install -d -o vexora -g vexora -m 0750 /var/lib/vexora-sandbox
# Orders, balances and pending callbacks survive a restart of the container, in a volume;
# `serve --state :memory:` (or VEXORA_SANDBOX_STATE=:memory:) keeps them in memory instead.
ENV PATH=/opt/venv/bin:$PATH \
    VEXORA_SANDBOX_HOST=0.0.0.0 \
    VEXORA_SANDBOX_PORT=8080 \
    VEXORA_SANDBOX_SCENARIOS=/etc/vexora-sandbox/scenarios \
    VEXORA_SANDBOX_STATE=/var/lib/vexora-sandbox/state.db
VOLUME ["/var/lib/vexora-sandbox"]
USER vexora:vexora
EXPOSE 8080
# Standard library only (no curl in the image); follows VEXORA_SANDBOX_PORT if it is changed.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sandbox/health' % os.environ.get('VEXORA_SANDBOX_PORT', '8080'), timeout=2)"]
# Exec form: python is PID 1 and receives SIGTERM itself; the server traps SIGTERM and
# stops within two seconds (vexora_sandbox/server.py).
STOPSIGNAL SIGTERM
ENTRYPOINT ["vexora-sandbox"]
CMD ["serve"]
