"""deploy/ is what docs/deployment.md tells people to install: it must parse and agree with the
settings it names."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from livedesk.settings import Settings

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_the_env_file_names_only_real_settings() -> None:
    names = set(Settings.model_fields)
    lines = (DEPLOY / "livedesk.env.example").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    assert keys and all(k.startswith("LIVEDESK_") for k in keys)
    assert {k.removeprefix("LIVEDESK_").lower() for k in keys} <= names


def test_systemd_waits_longer_than_the_drain_takes() -> None:
    unit = (DEPLOY / "systemd/livedesk@.service").read_text()
    stop_after = int(re.search(r"^TimeoutStopSec=(\d+)$", unit, re.M)[1])  # type: ignore[index]
    assert stop_after > Settings().drain_grace_seconds
    assert re.search(r"^KillSignal=SIGTERM$", unit, re.M)
    assert re.search(r"^Environment=LIVEDESK_PORT=%i$", unit, re.M)


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    """`nginx -t` on the site with a throwaway certificate (only where nginx is installed)."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None or shutil.which("openssl") is None:
        pytest.skip("nginx (and openssl) not installed: the site config is not checked")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=chat.example.nl",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx/livedesk.conf").read_text()
    assert not re.search(r"^\s*(ip_hash|sticky|hash)\b", site, re.M)  # any process, any client
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    out = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
