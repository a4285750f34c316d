"""The proxy's micro-cache in docs/operators.md: what it must contain, that nginx accepts it, and
that a request carrying a credential is never answered from it (no timings: bench.microcache
measures).

bench.microcache takes the configuration from the guide itself, so these tests check the guide.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from bench import microcache
from bench.client_load import demo_database
from bench.servers import Server, free_port

#: CI sets XTS2_NGINX_TESTS=1 (and installs nginx): then a missing nginx fails these tests.
NGINX_REQUIRED = os.environ.get("XTS2_NGINX_TESTS") == "1"


def needs_nginx(test):
    """Run ``test`` only where Debian's nginx is installed (skipped elsewhere, failed in CI)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        if shutil.which("nginx") is None:
            why = "needs Debian's nginx (apt-get install nginx)"
            if NGINX_REQUIRED:
                pytest.fail(f"XTS2_NGINX_TESTS=1 but it {why}", pytrace=False)
            pytest.skip(why)
        return test(*args, **kwargs)

    return run


def directives(config: str) -> list[str]:
    """The configuration's statements, comment lines dropped and continuation lines joined."""
    text = re.sub(r"^\s*#.*$", "", config, flags=re.M)
    return [" ".join(s.split()) for s in re.split(r"[;{}]", text) if s.strip()]


def test_the_guides_example_has_the_micro_cache():
    found = directives(microcache.documented_config())
    for expected in [
        "proxy_cache xts2_public",
        'proxy_cache_key "$request_method $host$request_uri $http_accept $http_origin"',
        "proxy_cache_bypass $xts2_credential",
        "proxy_no_cache $xts2_credential",
        "proxy_cache_lock on",
        "proxy_cache_use_stale updating",
        "add_header X-Cache-Status $upstream_cache_status",
    ]:
        assert expected in found
    credential_map = next(s for s in found if s.startswith("map "))
    for variable in ("$http_x_xts2_key", "$http_x_xts2_password", "$arg_terminalkey",
                     "$arg_password"):
        assert variable in credential_map
    assert any(s.startswith("proxy_cache_path ") and "keys_zone=xts2_public:" in s for s in found)
    # The answer's own Cache-Control must decide what is kept: either of these could make nginx
    # keep an answer XTS2 marked no-store (one a staff screen asked for with its key).
    assert not any(s.startswith(("proxy_cache_valid", "proxy_ignore_headers")) for s in found)


def test_the_benchmark_changes_only_what_it_must(tmp_path):
    config = microcache.render_config(microcache.documented_config(), tmp_path, 6000, 6001, 6002)
    found = directives(config)
    assert [s for s in found if s.startswith("server 127.0.0.1:")] == [
        "server 127.0.0.1:6000 max_fails=1 fail_timeout=2s"]
    assert "listen 127.0.0.1:6001" in found and "listen 127.0.0.1:6002" in found
    assert not any("ssl" in s or "/var/" in s for s in found)
    assert found.count("proxy_cache xts2_public") == 1
    assert found.count("proxy_cache off") == 1


def test_a_changed_guide_is_reported_not_guessed(tmp_path):
    site = microcache.documented_config().replace("listen 443 ssl;", "listen 8443 ssl;")
    with pytest.raises(ValueError, match="update bench/microcache.py"):
        microcache.render_config(site, tmp_path, 6000, 6001, 6002)


@needs_nginx
def test_nginx_accepts_it():
    workdir = microcache.nginx_workdir()
    try:
        conf = microcache.write_config(workdir, free_port(), free_port(), free_port())
        ok, out = microcache.nginx_test(conf)
        assert ok, out
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@needs_nginx
@pytest.mark.live
@pytest.mark.slow
def test_credentials_are_never_answered_from_the_cache():
    with tempfile.TemporaryDirectory() as tmp:
        db, key = demo_database(Path(tmp))
        ini = microcache.bench_ini(Path(tmp), db)
        upstream, cached_port, plain_port = free_port(), free_port(), free_port()
        workdir = microcache.nginx_workdir()
        try:
            conf = microcache.write_config(workdir, upstream, cached_port, plain_port)
            with Server(ini, env={"XTS2_DATABASE_URL": db}, port=upstream) as server, \
                    microcache.Nginx(conf, [cached_port, plain_port]):
                cached = f"http://127.0.0.1:{cached_port}"
                results = microcache.check_behaviour(
                    server.url, cached, f"http://127.0.0.1:{plain_port}", key)
                assert [r for r in results if not r[1]] == []

                # The public answer is in the cache; a key of "0" (which proxy_cache_bypass alone
                # would read as no key) still goes to XTS2, which refuses it.
                path = microcache.PROGRAMME
                assert microcache.fetch(cached + path)[0] == 200
                assert microcache.fetch(cached + path)[1].get("x-cache-status") == "HIT"
                status, headers, _ = microcache.fetch(cached + path, {"X-XTS2-Key": "0"})
                assert headers.get("x-cache-status") != "HIT"
                assert headers.get("cache-control") == "no-store"
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
