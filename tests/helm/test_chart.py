"""The Helm chart (helm/confera) and the Dockerfile, checked without a cluster.

Real helm (`make install` puts the official binary at .venv/bin/helm:
tests/helm/install_helm.py) lints and renders the chart; every rendered
object is validated against the Kubernetes API schemas of a pinned version
(kubernetes-validate, strict: unknown fields refused; the oldest version the
chart admits and the newest helm knows); values.yaml is checked
against values.schema.json, and bad values are refused by helm itself. What
this cannot prove: that a cluster admits and runs the objects (no API
server, no cert-manager, no image built here; docs/deploy.md says so).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.config import ENV_NAMES as WEB_ENV_NAMES
from app.config import Settings
from app.egress.config import ENV_NAMES as EGRESS_ENV_NAMES
from app.egress.config import EgressSettings
from app.sfu.config import NodeSettings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "confera"
EXAMPLES = sorted((CHART / "ci").glob("*-values.yaml"))
HELM = Path(sys.executable).parent / "helm"
# The Kubernetes versions the manifests are validated against: the oldest
# Chart.yaml's kubeVersion admits, and the newest whose API helm's own
# client (v1.35) knows.
KUBERNETES_VERSIONS = ("1.27.0", "1.35.0")
# The pod's own name and addresses (downward API), read by other variables.
POD_VARIABLES = {"POD_NAME", "POD_IP", "HOST_IP", "NODE_NAME"}
# boto3 reads these itself (app/storage.py hands it no credentials).
BOTO3_VARIABLES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    if not HELM.exists():
        pytest.fail(f"{HELM} is missing: `make install` installs it")
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, timeout=60)


def render(values_file: Path, *extra: str) -> list[dict[str, Any]]:
    """Every object `helm template` renders with ``values_file`` (and --set ``extra``)."""
    done = helm("template", "confera", str(CHART), "--namespace", "meet",
                "-f", str(values_file), *extra)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def refusal(values: dict[str, Any], tmp_path: Path) -> str:
    """helm's error for the minimal install with ``values`` on top (it must fail)."""
    extra = tmp_path / "extra-values.yaml"
    extra.write_text(yaml.safe_dump(values))
    done = helm("template", "confera", str(CHART), "-f", str(CHART / "ci/minimal-values.yaml"),
                "-f", str(extra))
    assert done.returncode != 0, f"helm rendered {values} without complaint"
    return done.stderr


def named(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for o in objects if o["kind"] in ("Deployment", "StatefulSet", "Job")
            for c in o["spec"]["template"]["spec"]["containers"]]


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render(CHART / "ci/production-values.yaml")


@pytest.fixture(scope="module")
def minimal() -> list[dict[str, Any]]:
    return render(CHART / "ci/minimal-values.yaml")


@pytest.mark.parametrize("values_file", [CHART / "values.yaml", *EXAMPLES], ids=lambda p: p.name)
def test_values_files_match_the_values_schema(values_file: Path) -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    values = _merged(defaults, yaml.safe_load(values_file.read_text()))
    jsonschema.validate(values, schema, cls=jsonschema.Draft7Validator)


@pytest.mark.parametrize("values_file", EXAMPLES, ids=lambda p: p.name)
def test_chart_lints_strictly(values_file: Path) -> None:
    done = helm("lint", "--strict", str(CHART), "-f", str(values_file))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("values_file", EXAMPLES, ids=lambda p: p.name)
def test_every_rendered_object_is_valid_kubernetes(values_file: Path, version: str) -> None:
    for obj in render(values_file):
        kubernetes_validate.validate(obj, version, strict=True)


@pytest.mark.parametrize(("values", "complaint"), [
    ({"web": {"workers": 0}}, "/web/workers"),
    ({"domains": ["*.example.com"]}, "/domains/0"),
    ({"storage": {"url": "file:///var/lib/confera"}}, "/storage/url"),
    ({"secrets": {"secretKey": "too-short"}}, "/secrets/secretKey"),
    ({"secrets": {"databaseUrl": "mysql://db/confera"}}, "/secrets/databaseUrl"),
    ({"sfu": {"publicAddress": {"mode": "stun"}}}, "/sfu/publicAddress/mode"),
    ({"sfu": {"publicAddress": {"mode": "nat", "byNode": {"a": "host.example"}}}},
     "/sfu/publicAddress/byNode/a"),
    ({"iceServers": ["https://turn.example.com"]}, "/iceServers/0"),
    ({"config": {"identity_cache_seconds": "60"}}, "identity_cache_seconds"),
    ({"egress": {"x264Preset": "placebo"}}, "/egress/x264Preset"),
    ({"web": {"replica": 3}}, "replica"),
    ({"webb": {}}, "webb"),
])
def test_schema_refuses_bad_values(values: dict[str, Any], complaint: str,
                                   tmp_path: Path) -> None:
    assert complaint in refusal(values, tmp_path)


@pytest.mark.parametrize(("values", "complaint"), [
    ({"domains": []}, "domains is required"),
    ({"storage": {"url": ""}}, "storage.url is required"),
    ({"sfu": {"publicDomain": ""}}, "sfu.publicDomain is required"),
    ({"secrets": {"existingSecret": ""}}, "secrets.secretKey is required"),
    ({"sfu": {"publicAddress": {"mode": "nat"}}}, "sfu.publicAddress.byNode is required"),
])
def test_missing_required_values_are_refused_by_name(values: dict[str, Any], complaint: str,
                                                     tmp_path: Path) -> None:
    assert complaint in refusal(values, tmp_path)


def test_the_defaults_alone_do_not_render() -> None:
    # Domains, storage, secrets and the media domain have no safe default.
    assert helm("template", "confera", str(CHART)).returncode != 0


def test_every_variable_the_chart_sets_is_one_the_app_reads(
        production: list[dict[str, Any]]) -> None:
    read = ({WEB_ENV_NAMES.get(f, f.upper()) for f in Settings.__dataclass_fields__}
            | {"CONFERA_ENV", "WEB_URL", "MEDIA_NODE_SECRET"}
            | {"SFU_" + f.upper() for f in NodeSettings.__dataclass_fields__}
            | {EGRESS_ENV_NAMES.get(f, "EGRESS_" + f.upper())
               for f in EgressSettings.__dataclass_fields__})
    configmaps, secrets = named(production, "ConfigMap"), named(production, "Secret")
    set_by_chart = ({key for c in containers(production) for key in
                     (e["name"] for e in c.get("env", []))}
                    | set(configmaps["confera-config"]["data"])
                    | set(secrets["confera-secrets"]["data"]))
    unknown = set_by_chart - read - POD_VARIABLES - BOTO3_VARIABLES
    assert not unknown, f"the chart sets variables nothing reads: {sorted(unknown)}"


def test_web_and_worker_get_the_settings_and_secrets(production: list[dict[str, Any]]) -> None:
    deployments = named(production, "Deployment")
    for name in ("confera-web", "confera-worker"):
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": "confera-config"}},
                                        {"secretRef": {"name": "confera-secrets"}}]
    config = named(production, "ConfigMap")["confera-config"]["data"]
    assert config["STORAGE_URL"] == "s3://confera-media/prod"
    assert config["CONFERA_ENV"] == "production"
    assert config["NODE_API_HOSTS"] == "confera-web.meet.svc"
    assert config["MEDIA_NODE_ALLOWED_HOSTS"].endswith(",*.media.example.com")
    assert config["IDENTITY_CACHE_SECONDS"] == "60"  # from `config`
    secret = named(production, "Secret")["confera-secrets"]["data"]
    assert {"SECRET_KEY", "MEDIA_NODE_SECRET", "DATABASE_URL", "SMTP_URL"} <= set(secret)
    assert "REDIS_URL" not in secret  # only what is given


def test_an_existing_secret_is_used_and_none_is_made(minimal: list[dict[str, Any]]) -> None:
    assert not named(minimal, "Secret")
    refs = [e["valueFrom"]["secretKeyRef"]["name"] for c in containers(minimal)
            for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    refs += [f["secretRef"]["name"] for c in containers(minimal) for f in c.get("envFrom", [])
             if "secretRef" in f]
    assert refs and set(refs) == {"confera-secrets"}


def test_ingress_serves_each_reseller_domain_by_wildcard_with_tls(
        production: list[dict[str, Any]]) -> None:
    ingress = named(production, "Ingress")["confera-web"]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert hosts == ["*.meet.example.com", "*.video.example.org", "meetings.customer.example"]
    assert [t["hosts"] for t in ingress["spec"]["tls"]] == [[h] for h in hosts]
    backends = {rule["http"]["paths"][0]["backend"]["service"]["name"]
                for rule in ingress["spec"]["rules"]}
    assert backends == {"confera-web"}


def test_migrations_run_before_install_and_upgrade(production: list[dict[str, Any]]) -> None:
    job = named(production, "Job")["confera-migrate"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["db", "upgrade"]
    # Its settings exist before it: hooks of an earlier weight.
    for kind in ("ConfigMap", "Secret"):
        copy = named(production, kind)["confera-migrate"]["metadata"]["annotations"]
        assert copy["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(copy["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]
                                                      ["helm.sh/hook-weight"])


def test_probes_ask_healthz_and_readyz_on_each_process_port(
        production: list[dict[str, Any]]) -> None:
    by_image_args = {c["name"]: c for c in containers(production)}
    for name in ("web", "egress", "sfu"):
        container = by_image_args[name]
        (port,) = container["ports"]
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port["name"]}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port["name"]}
    ports = {c["name"]: c["ports"][0]["containerPort"] for c in containers(production)
             if c.get("ports")}
    assert ports["web"] == 5000 and ports["egress"] == 7890
    worker = by_image_args["worker"]  # no HTTP: its loop's own check
    assert worker["livenessProbe"]["exec"]["command"] == ["confera", "worker", "--check"]


def test_autoscalers_and_disruption_budgets_cover_every_process(
        production: list[dict[str, Any]]) -> None:
    scaled = {h["spec"]["scaleTargetRef"]["name"]
              for h in named(production, "HorizontalPodAutoscaler").values()}
    assert scaled == {"confera-web", "confera-egress"}
    budgets = set(named(production, "PodDisruptionBudget"))
    assert budgets == {"confera-web", "confera-worker", "confera-egress",
                       "confera-sfu-0", "confera-sfu-1"}


def test_media_nodes_are_statefulsets_on_the_host_network_one_port_per_slot(
        production: list[dict[str, Any]]) -> None:
    sets = named(production, "StatefulSet")
    assert set(sets) == {"confera-sfu-0", "confera-sfu-1"}  # processesPerMachine: 2
    for slot, name in enumerate(sorted(sets)):
        spec = sets[name]["spec"]
        pod = spec["template"]["spec"]
        assert spec["replicas"] == 3 and pod["hostNetwork"] is True
        assert pod["dnsPolicy"] == "ClusterFirstWithHostNet"  # WEB_URL is a Service name
        (container,) = pod["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["SFU_PORT"] == str(7880 + slot)
        assert container["ports"][0]["hostPort"] == 7880 + slot
        assert env["SFU_PUBLIC_URL"] == "wss://$(POD_NAME).media.example.com"
        assert env["SFU_ICE_ADDRESSES"] == "$(HOST_IP)"
        assert env["WEB_URL"] == "http://confera-web.meet.svc:5000"
        # nat: the machine's public address from byNode, by the pod's node name.
        assert "/etc/confera/public-address/$NODE_NAME" in container["args"][0]
        assert int(env["SFU_DRAIN_SECONDS"]) < pod["terminationGracePeriodSeconds"]
    addresses = named(production, "ConfigMap")["confera-sfu-public-address"]["data"]
    assert addresses["media-node-a"] == "203.0.113.10"


def test_each_media_node_has_its_own_wss_name_through_the_ingress(
        production: list[dict[str, Any]]) -> None:
    ingress = named(production, "Ingress")["confera-sfu"]
    routes = {r["host"]: r["http"]["paths"][0]["backend"]["service"]["name"]
              for r in ingress["spec"]["rules"]}
    pods = [f"confera-sfu-{slot}-{ordinal}" for slot in range(2) for ordinal in range(3)]
    assert routes == {f"{pod}.media.example.com": pod for pod in pods}
    services = named(production, "Service")
    for pod in pods:
        assert services[pod]["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] == pod
    assert ingress["spec"]["tls"] == [{"hosts": ["*.media.example.com"],
                                       "secretName": "confera-tls-media-example-com"}]


def test_host_ip_mode_announces_no_address(minimal: list[dict[str, Any]]) -> None:
    (container,) = named(minimal, "StatefulSet")["confera-sfu-0"]["spec"]["template"][
        "spec"]["containers"]
    assert container["args"] == ["sfu"] and "command" not in container
    assert "confera-sfu-public-address" not in named(minimal, "ConfigMap")


def test_requests_follow_the_benchmarks(production: list[dict[str, Any]]) -> None:
    requests = {c["name"]: c["resources"]["requests"] for c in containers(production)}
    assert requests["sfu"]["cpu"] == "1"  # one process forwards on one core
    assert requests["egress"]["cpu"] == "1300m"  # 2 rooms x 0.6 core + 0.1


@pytest.mark.parametrize(("extra", "pool_size", "connections"), [
    ((), "5", 173),  # 3 web pods x 2 workers x (5 + 10 + 1 + 10) + worker 16 + migration 1
    (("--set", "secrets.redisUrl=redis://redis:6379/0"), "5", 113),  # no rate-limit pools
    (("--set", "database.poolSize=4", "--set", "database.maxOverflow=0"), "4", 96),
])
def test_postgresql_connections_are_budgeted(extra: tuple[str, ...], pool_size: str,
                                             connections: int) -> None:
    config = named(render(CHART / "ci/minimal-values.yaml", *extra), "ConfigMap")["confera-config"]
    assert config["metadata"]["annotations"]["confera.io/postgresql-connections"] == \
        str(connections)
    assert config["data"]["DATABASE_POOL_SIZE"] == pool_size


def test_more_connections_than_postgresql_allows_are_refused(tmp_path: Path) -> None:
    complaint = refusal({"web": {"autoscaling": {"maxReplicas": 10}}}, tmp_path)
    assert "PostgreSQL connections: the processes may open 537" in complaint
    assert "database.maxConnections 200" in complaint


def test_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    done = subprocess.run([str(hadolint), str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def _merged(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """helm's merge of values files: maps merged key by key, anything else replaced."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged
