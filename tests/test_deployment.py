"""Static checks of docker-compose.yml, the Dockerfile and the key script.

No Docker engine is needed: the files are parsed as text and YAML. When a
`docker compose` client is installed, one test also runs
`docker compose config` to validate the file.
"""

import ast
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url
from sqlmodel import Session

from api.auth import Role
from core.db import make_engine
from models.tables import ApiKey
from workflows.search_attributes import ALL_KEYS

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
POSTGRES_INIT_DIR = ROOT / "deploy/postgres"

APP_SERVICES = ("api", "worker")
EXPECTED_IMAGES = {
    "postgresql": "postgres:16",
    "temporal": "temporalio/auto-setup:",
    "temporal-setup": "temporalio/admin-tools:",
    "temporal-ui": "temporalio/ui:",
}

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and the
# other forms of Compose interpolation.
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?+])([^}]*))?\}")


# Secrets that must come from `.env`: Compose stops with their message.
REQUIRED_SECRETS = {"OMS_CARRIER_WEBHOOK_SECRETS"}


def interpolate(value: str) -> str:
    """Resolve Compose variables to their defaults, as with no `.env`;
    a required secret resolves to a placeholder."""

    def default(match: re.Match) -> str:
        name, operator, word = match.groups()
        if name in REQUIRED_SECRETS and operator == ":?":
            return f"<{name}>"
        if operator not in (":-", "-"):
            raise ValueError(
                f"variable {name} has no default, so the stack needs a .env "
                f"file to start; write it as ${{{name}:-value}}"
            )
        return word

    return VARIABLE.sub(default, value.replace("$$", "\0")).replace("\0", "$")


def environment(service: dict) -> dict[str, str]:
    """Return a service's environment as a dict, from either YAML form."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: interpolate(str(value)) for key, value in raw.items()}


def dependencies(service: dict) -> list[str]:
    raw = service.get("depends_on") or []
    return list(raw)


def command_argv(value: str | list[str]) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else list(value)


def dockerfile_instruction(name: str) -> list[str]:
    """Return the exec-form argv of the Dockerfile's last `name` line."""
    lines = [
        line for line in DOCKERFILE.read_text().splitlines()
        if line.upper().startswith(f"{name} ")
    ]
    if not lines:
        return []
    return json.loads(lines[-1][len(name):].strip())


def script_path(argv: list[str]) -> tuple[Path, str | None]:
    """Map a container command to the repository file it runs.

    Returns the file and, for `uvicorn module:attribute`, the attribute.
    """
    if argv[0] == "uvicorn":
        module, _, attribute = argv[1].partition(":")
        return ROOT / (module.replace(".", "/") + ".py"), attribute
    if argv[0] == "python" and argv[1] == "-m":
        return ROOT / (argv[2].replace(".", "/") + ".py"), None
    if argv[0] == "python":
        return ROOT / argv[1], None
    raise AssertionError(f"unknown command form: {argv}")


def assigned_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        target.id
        for node in tree.body if isinstance(node, ast.Assign)
        for target in node.targets if isinstance(target, ast.Name)
    }


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def test_compose_defines_expected_services(services):
    expected = {*EXPECTED_IMAGES, *APP_SERVICES}

    assert expected <= set(services)


@pytest.mark.parametrize(("name", "prefix"), EXPECTED_IMAGES.items())
def test_compose_infrastructure_image_pinned(services, name, prefix):
    image = services[name]["image"]

    assert image.startswith(prefix)
    assert not image.endswith(":latest")
    assert ":" in image


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_service_builds_dockerfile(services, name):
    build = services[name]["build"]

    assert (ROOT / build["context"]).resolve() == ROOT
    assert build.get("dockerfile", "Dockerfile") == DOCKERFILE.name
    # Given both `build` and `image`, Compose pulls the image from a
    # registry first, so a public image of that name would replace ours.
    assert "image" not in services[name]


def test_compose_api_command_runs_uvicorn(services):
    argv = command_argv(services["api"]["command"])

    assert argv[:2] == ["uvicorn", "api.main:app"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "8000"


def test_compose_api_publishes_port_8000(services):
    ports = [str(port) for port in services["api"]["ports"]]

    assert any(port.endswith("8000:8000") for port in ports)


def test_compose_api_healthcheck_requests_health(services):
    test = " ".join(services["api"]["healthcheck"]["test"])

    assert "http://127.0.0.1:8000/health" in test


def test_compose_worker_command_runs_worker(services):
    argv = command_argv(services["worker"]["command"])

    assert argv == ["python", "worker.py"]


def test_compose_worker_scales(services):
    worker = services["worker"]

    assert worker["deploy"]["replicas"] >= 2
    # A fixed name or host port would stop `--scale worker=N` at one copy.
    assert "container_name" not in worker
    assert "ports" not in worker


def test_compose_app_services_share_settings(services):
    api = environment(services["api"])
    worker = environment(services["worker"])

    for key in ("DATABASE_URL", "OMS_TEMPORAL_ADDRESS", "OMS_ENVIRONMENT"):
        assert api[key] == worker[key], key
    assert api["OMS_ENVIRONMENT"] == "production"


def test_compose_database_url_targets_postgresql(services):
    url = make_url(environment(services["api"])["DATABASE_URL"])

    assert url.drivername == "postgresql+psycopg"
    assert url.host == "postgresql"
    assert url.host in services
    assert url.port == 5432
    assert url.database == "oms"


def test_compose_database_url_password_matches_init(services):
    url = make_url(environment(services["api"])["DATABASE_URL"])
    postgresql = environment(services["postgresql"])

    # deploy/postgres creates the role with this password.
    assert url.password == postgresql["OMS_DB_PASSWORD"]


def test_compose_temporal_address_targets_temporal(services):
    address = environment(services["api"])["OMS_TEMPORAL_ADDRESS"]

    assert address == "temporal:7233"
    assert address.split(":")[0] in services


def test_compose_depends_on_names_existing_services(services):
    for name, service in services.items():
        for dependency in dependencies(service):
            assert dependency in services, f"{name} depends on {dependency}"


def test_compose_app_services_wait_for_setup(services):
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]

        condition = depends_on["temporal-setup"]["condition"]
        assert condition == "service_completed_successfully", name


def test_compose_worker_waits_for_api_tables(services):
    # The API creates the tables. Workers that started with it on an empty
    # database would run CREATE TABLE concurrently.
    condition = services["worker"]["depends_on"]["api"]["condition"]

    assert condition == "service_healthy"


def test_compose_temporal_persists_in_postgresql(services):
    temporal = environment(services["temporal"])
    postgresql = environment(services["postgresql"])

    assert temporal["DB"] == "postgres12"
    assert temporal["DB_PORT"] == "5432"
    assert temporal["POSTGRES_SEEDS"] == "postgresql"
    assert temporal["POSTGRES_USER"] == postgresql["POSTGRES_USER"]
    assert temporal["POSTGRES_PWD"] == postgresql["POSTGRES_PASSWORD"]


def test_compose_temporal_waits_for_healthy_postgresql(services):
    depends_on = services["temporal"]["depends_on"]

    assert depends_on["postgresql"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ["postgresql", "temporal", "api"])
def test_compose_service_has_healthcheck(services, name):
    assert services[name]["healthcheck"]["test"]


def test_compose_postgresql_healthcheck_uses_pg_isready(services):
    test = services["postgresql"]["healthcheck"]["test"]

    assert "pg_isready" in test


def test_compose_postgresql_mounts_init_scripts(services):
    volumes = services["postgresql"]["volumes"]

    assert any(
        volume.startswith("./deploy/postgres:/docker-entrypoint-initdb.d")
        for volume in volumes
    )


def test_compose_postgresql_init_creates_app_database(services):
    script = (POSTGRES_INIT_DIR / "10-create-oms-database.sh").read_text()
    url = make_url(environment(services["api"])["DATABASE_URL"])

    assert f"CREATE ROLE {url.username} LOGIN" in script
    assert f"CREATE DATABASE {url.database} OWNER {url.username}" in script
    assert os.access(POSTGRES_INIT_DIR / "10-create-oms-database.sh", os.X_OK)


def test_compose_search_attributes_match_workflows(services):
    script = "\n".join(command_argv(services["temporal-setup"]["command"]))
    registered = dict(re.findall(
        r"search-attribute create .*--name (\w+) --type (\w+)", script
    ))
    # KEYWORD_LIST -> KeywordList, as the temporal CLI spells the types.
    expected = {
        key.name: "".join(
            part.capitalize() for part in key.indexed_value_type.name.split("_")
        )
        for key in ALL_KEYS
    }

    assert registered == expected


def test_compose_setup_targets_temporal_service(services):
    setup = environment(services["temporal-setup"])

    assert setup["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert services["temporal-setup"]["depends_on"]["temporal"]["condition"] == (
        "service_healthy"
    )


def test_compose_ui_serves_on_8233(services):
    ui = services["temporal-ui"]
    ports = [str(port) for port in ui["ports"]]

    assert environment(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert any(port.endswith("8233:8080") for port in ports)


def test_compose_postgresql_publishes_no_port(services):
    assert "ports" not in services["postgresql"]


def test_compose_variables_all_have_defaults():
    # `$$` is an escaped dollar sign for the container, not a variable.
    text = COMPOSE_FILE.read_text().replace("$$", "")
    variables = [match.groups() for match in VARIABLE.finditer(text)]

    assert variables
    for name, operator, _ in variables:
        if name in REQUIRED_SECRETS:
            assert operator == ":?", f"{name} must be required, with a message"
        else:
            assert operator in (":-", "-"), f"{name} has no default"


def compose_client_installed() -> bool:
    if shutil.which("docker") is None:
        return False
    result = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False,
    )
    return result.returncode == 0


@pytest.mark.skipif(
    not compose_client_installed(),
    reason="the docker compose client is not installed",
)
def test_compose_file_valid_for_docker_compose():
    result = subprocess.run(
        ["docker", "compose", "--file", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True, text=True, check=False,
    )

    assert result.returncode == 0, result.stderr


def test_dockerfile_base_image_is_python_311_slim():
    assert "FROM python:3.11-slim" in DOCKERFILE.read_text().splitlines()


def test_dockerfile_installs_project_without_extras():
    text = DOCKERFILE.read_text()

    assert re.search(r"pip install \.(\s|$)", text)
    assert "[test]" not in text


def test_dockerfile_runs_as_non_root_user():
    users = [
        line.split()[1] for line in DOCKERFILE.read_text().splitlines()
        if line.startswith("USER ")
    ]

    assert users
    assert users[-1] not in ("root", "0")


def test_dockerfile_default_command_runs_api():
    argv = dockerfile_instruction("CMD")

    assert argv[:2] == ["uvicorn", "api.main:app"]
    assert dockerfile_instruction("ENTRYPOINT") == []


def test_dockerfile_commands_run_existing_modules(services):
    commands = [dockerfile_instruction("CMD")] + [
        command_argv(services[name]["command"]) for name in APP_SERVICES
    ]

    for argv in commands:
        path, attribute = script_path(argv)

        assert path.is_file(), f"{argv} runs {path}, which does not exist"
        if attribute:
            assert attribute in assigned_names(path), f"{path} has no {attribute}"


def test_dockerignore_excludes_local_state():
    ignored = DOCKERIGNORE.read_text().split()

    # data/ contains the plain development API keys.
    assert "data" in ignored
    assert ".venv" in ignored
    assert ".git" in ignored


def test_create_api_key_prints_stored_key(tmp_path):
    database = tmp_path / "oms.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    result = subprocess.run(
        [sys.executable, "-m", "scripts.create_api_key", "--role", "admin"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    key = result.stdout.strip()
    key_hash = hashlib.sha256(key.encode()).hexdigest()
    with Session(make_engine(f"sqlite:///{database}")) as session:
        record = session.get(ApiKey, key_hash)

    assert result.returncode == 0, result.stderr
    assert key.startswith("oms_admin_")
    assert "\n" not in key
    assert record is not None
    assert record.role == Role.ADMIN.value
    assert record.name == "cli-admin"
    assert key not in result.stderr


def test_create_api_key_rejects_unknown_role(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'oms.db'}"}

    result = subprocess.run(
        [sys.executable, "-m", "scripts.create_api_key", "--role", "root"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )

    assert result.returncode == 2
    assert "invalid choice: 'root'" in result.stderr


def test_create_api_key_reports_unreachable_database():
    # Port 9 (discard) runs no PostgreSQL server, so connecting fails.
    url = "postgresql+psycopg://oms:s3cret@127.0.0.1:9/oms"
    env = {**os.environ, "DATABASE_URL": url}

    result = subprocess.run(
        [sys.executable, "-m", "scripts.create_api_key", "--role", "admin"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert "creating the key failed" in result.stderr
    assert "check DATABASE_URL" in result.stderr
    assert "s3cret" not in result.stderr
