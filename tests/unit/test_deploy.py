"""Static checks of the deployment files: compose.yaml, deploy/Dockerfile and the broker config.

Nothing here needs Docker; the files are validated and read, not built or run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
RABBITMQ_CONF = ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf"
NGINX_CONF = ROOT / "deploy" / "nginx" / "turvaverkko.conf"
WEB_PORTS = {"intake": 8001, "pilots": 8002, "notifications": 8003}


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    document = YAML(typ="safe").load(COMPOSE.read_text(encoding="utf-8"))
    return document["services"]


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _published_container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in service.get("ports", []):
        if isinstance(entry, dict):
            ports.add(int(entry["target"]))
        else:
            ports.add(int(str(entry).split("/")[0].rsplit(":", 1)[-1]))
    return ports


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, arguments = stripped.partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_compose_file_is_valid_against_the_compose_spec_schema() -> None:
    check_jsonschema = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(check_jsonschema), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_project_container_runs_the_one_image_built_from_deploy_dockerfile(
    services: dict[str, dict[str, Any]],
) -> None:
    built = {name: s for name, s in services.items() if "build" in s}
    assert built, "no service builds the project image"
    assert {s["image"] for s in built.values()} == {"turvaverkko:latest"}
    for name, service in built.items():
        assert service["build"]["context"] == ".", name
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
    unbuilt = {name for name, s in services.items() if "build" not in s}
    assert unbuilt == {"postgres", "rabbitmq", "mailpit", "web"}


@pytest.mark.parametrize("name", sorted(WEB_PORTS))
def test_each_service_has_a_gunicorn_web_container_publishing_its_port(
    services: dict[str, dict[str, Any]],
    name: str,
) -> None:
    port = WEB_PORTS[name]
    web = services[name]
    command = _command(web)
    assert command[0] == "gunicorn"
    assert f"0.0.0.0:{port}" in command
    assert f"services.cli:web_app('{name}')" in command
    assert _published_container_ports(web) == {port}
    assert f":{port}/health/" in " ".join(_command({"command": web["healthcheck"]["test"]}))


@pytest.mark.parametrize("name", sorted(WEB_PORTS))
def test_each_service_has_a_relay_worker_stopped_by_sigterm(
    services: dict[str, dict[str, Any]],
    name: str,
) -> None:
    relay = services[f"{name}-relay"]
    assert _command(relay) == ["turvaverkko", "worker", name, "relay"]
    assert relay["stop_signal"] == "SIGTERM"
    assert "stop_grace_period" in relay
    assert relay["restart"] == "unless-stopped"


def test_project_containers_start_after_migration_succeeds_and_the_broker_is_healthy(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert _command(migrate) == ["turvaverkko", "migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    long_running = [n for n, s in services.items() if "build" in s and n != "migrate"]
    for name in long_running:
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
        assert depends_on["rabbitmq"]["condition"] == "service_healthy", name


def test_postgres_and_rabbitmq_have_healthchecks_and_start_on_their_own(
    services: dict[str, dict[str, Any]],
) -> None:
    assert "pg_isready" in _command({"command": services["postgres"]["healthcheck"]["test"]})
    assert "rabbitmq-diagnostics" in _command(
        {"command": services["rabbitmq"]["healthcheck"]["test"]}
    )
    for name in ("postgres", "rabbitmq"):
        assert "depends_on" not in services[name], name


def test_every_project_container_gets_the_same_backing_service_urls(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        if "build" not in service:
            continue
        env = service["environment"]
        assert env["TURVAVERKKO_POSTGRES_URL"].endswith("@postgres:5432"), name
        assert env["TURVAVERKKO_AMQP_URL"].startswith("amqp://"), name
        assert "@rabbitmq:5672/" in env["TURVAVERKKO_AMQP_URL"], name


def test_rabbitmq_config_is_mounted_and_lets_guest_connect_from_other_containers(
    services: dict[str, dict[str, Any]],
) -> None:
    mounts = [str(v) for v in services["rabbitmq"]["volumes"]]
    assert any(m.startswith("./deploy/rabbitmq/rabbitmq.conf:/etc/rabbitmq/") for m in mounts)
    settings = dict(
        (part.strip() for part in line.split("=", 1))
        for line in RABBITMQ_CONF.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    assert settings["loopback_users.guest"] == "false"


def test_dockerfile_is_a_single_stage_build_from_python_311_slim() -> None:
    froms = [args for keyword, args in _dockerfile_instructions() if keyword == "FROM"]
    assert froms == ["python:3.11-slim"]


def test_dockerfile_installs_the_project_non_editably_with_the_pinned_constraints() -> None:
    runs = [args for keyword, args in _dockerfile_instructions() if keyword == "RUN"]
    installs = [run for run in runs if "pip install" in run]
    assert len(installs) == 1
    install = installs[0]
    assert "-c constraints.txt" in install
    assert " -e " not in install and "[dev]" not in install
    copied = " ".join(args for keyword, args in _dockerfile_instructions() if keyword == "COPY")
    for path in ("pyproject.toml", "constraints.txt", "shared/", "services/"):
        assert path in copied


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in _dockerfile_instructions() if keyword == "USER"]
    assert users, "no USER instruction: the container would run as root"
    final_user = users[-1].split(":")[0]
    assert final_user not in {"root", "0"}


def test_dockerignore_keeps_the_virtualenv_git_and_tests_out_of_the_build_context() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", "tests", "bench", ".run"} <= ignored


def test_every_consumer_and_worker_of_every_service_has_its_own_compose_service(
    services: dict[str, dict[str, Any]],
) -> None:
    from services.registry import SERVICES

    for definition in SERVICES.values():
        for consumer in definition.consumers:
            worker = services[f"{definition.name}-{consumer.name}"]
            assert _command(worker) == [
                "turvaverkko",
                "worker",
                definition.name,
                "consumer",
                consumer.name,
            ]
            assert worker["stop_signal"] == "SIGTERM"
        for name in definition.workers:
            worker = services[f"{definition.name}-{name}"]
            assert _command(worker) == ["turvaverkko", "worker", definition.name, name]


def test_notifications_mail_goes_to_the_development_mail_catcher(
    services: dict[str, dict[str, Any]],
) -> None:
    """``docker compose up`` shows every e-mail the sender sends, at 127.0.0.1:8025."""
    env = services["notifications-sender"]["environment"]
    assert (env["TURVAVERKKO_SMTP_HOST"], env["TURVAVERKKO_SMTP_PORT"]) == ("mailpit", "1025")
    assert services["mailpit"]["image"].startswith("axllent/mailpit:v")
    assert services["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]


def test_each_web_service_in_compose_runs_the_worker_class_that_turvaverkko_run_uses(
    services: dict[str, dict[str, Any]],
) -> None:
    """intake runs gevent workers, the others gthread — in compose as under the supervisor."""
    from services.registry import SERVICES, gunicorn_worker_arguments
    from shared.config import Settings

    for name in SERVICES:
        command = _command(services[name])
        wanted = gunicorn_worker_arguments(name, Settings.from_env({}))
        worker = wanted[wanted.index("--worker-class") + 1]
        assert command[command.index("--worker-class") + 1] == worker, name
        concurrency = "--threads" if worker == "gthread" else "--worker-connections"
        assert concurrency in command, name
    assert SERVICES["intake"].web_worker == "gevent"


def _nginx_directives(block: str | None = None) -> list[list[str]]:
    """The directives of the nginx config (or of its ``location BLOCK { … }``) as word lists,
    comments dropped; quoted arguments kept whole, without their quotes."""
    text = "\n".join(
        line
        for line in NGINX_CONF.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    )
    if block is not None:
        match = re.search(r"location " + re.escape(block) + r" \{(.*?)\}", text, re.S)
        assert match, f"no location {block}"
        text = match.group(1)
    words = re.findall(r'"[^"]*"|\'[^\']*\'|[^\s;{}]+|[;{}]', text)
    directives: list[list[str]] = []
    current: list[str] = []
    for word in words:
        if word in {";", "{", "}"}:  # a block's opening words count as a directive of their own
            if current:
                directives.append(current)
            current = []
        else:
            current.append(word[1:-1] if word[0] in "\"'" else word)
    return directives


def test_the_web_service_is_nginx_with_the_config_and_the_built_ui_after_the_apis(
    services: dict[str, dict[str, Any]],
) -> None:
    web = services["web"]
    assert web["image"].startswith("nginx:1.")
    mounts = [str(v) for v in web["volumes"]]
    assert "./deploy/nginx/turvaverkko.conf:/etc/nginx/conf.d/default.conf:ro" in mounts
    assert "./web/dist:/usr/share/nginx/html:ro" in mounts
    assert web["ports"] == ["127.0.0.1:8080:8080"]
    assert web["depends_on"] == {name: {"condition": "service_healthy"} for name in WEB_PORTS}
    assert ":8080/api/pilots/health/live" in " ".join(
        _command({"command": web["healthcheck"]["test"]})
    )


@pytest.mark.parametrize("name", sorted(WEB_PORTS))
def test_nginx_passes_each_api_on_with_its_prefix_stripped(name: str) -> None:
    directives = _nginx_directives(f"/api/{name}/")
    assert ["proxy_pass", f"http://{name}:{WEB_PORTS[name]}/"] in directives  # the / strips it
    assert ["set", "$turvaverkko_prefix", f"/api/{name}"] in directives
    assert not [d for d in directives if d[0] == "add_header"]  # would drop the server's


def test_nginx_streams_uploads_of_2_gb_and_rewrites_location_and_link() -> None:
    directives = _nginx_directives()
    for wanted in (
        ["client_max_body_size", "2g"],
        ["proxy_request_buffering", "off"],
        ["proxy_http_version", "1.1"],
        ["absolute_redirect", "off"],
        ["proxy_redirect", "/", "$turvaverkko_prefix/"],
        ["proxy_hide_header", "Link"],
        ["add_header", "Link", "$turvaverkko_link", "always"],
        ["listen", "8080"],
    ):
        assert wanted in directives, wanted


def test_nginx_answers_deep_links_with_index_html_and_caches_only_hashed_assets() -> None:
    assert ["try_files", "$uri", "/index.html"] in _nginx_directives("/")
    assert ["try_files", "$uri", "=404"] in _nginx_directives("/assets/")
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert '~^/assets/ "public, max-age=31536000, immutable";' in text
    assert 'default    "no-cache";' in text


def test_nginx_sends_the_security_headers_of_the_development_gateway() -> None:
    from services.gateway import ASSET_CACHE, REVALIDATE, SECURITY_HEADERS

    added = {d[1]: d[2:] for d in _nginx_directives() if d[0] == "add_header"}
    for name, value in SECURITY_HEADERS.items():
        assert added[name] == [value, "always"], name
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["Content-Security-Policy"]
    assert SECURITY_HEADERS["Content-Security-Policy"].startswith("default-src 'self';")
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert f'"{ASSET_CACHE}"' in text and f'"{REVALIDATE}"' in text
