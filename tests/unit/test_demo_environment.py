"""DemoEnvironment as the app uses it: settings, determinism, clean start and stop."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import httpx
import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import Settings
from oncall_tui.demo import DemoEnvironment

PATHS = {
    "prometheus": [
        "/api/v1/query?query=sum%20by%20(service)%20(rate(http_requests_total%5B5m%5D))",
        "/api/v1/query_range?query=up&start=1767232800&end=1767236400&step=300",
        "/api/v1/targets",
        "/api/v1/query_exemplars?query=http_requests_total&start=1767236100&end=1767236400",
    ],
    "alertmanager": ["/api/v2/alerts/groups", "/api/v2/alerts", "/api/v2/silences"],
    "jaeger": [
        "/api/traces?service=checkout&limit=3",
        "/api/v3/traces?query.service_name=frontend&query.start_time_min=2026-01-01T02:55:00Z"
        "&query.start_time_max=2026-01-01T03:00:00Z&query.search_depth=2",
    ],
}


def snapshot(env: DemoEnvironment) -> dict[str, str]:
    urls = {"prometheus": env.prometheus_url, "alertmanager": env.alertmanager_url, "jaeger": env.jaeger_url}
    out = {}
    with httpx.Client() as client:
        silence = {
            "matchers": [{"name": "service", "value": "payments", "isRegex": False, "isEqual": True}],
            "startsAt": "2026-01-01T03:00:00Z",
            "endsAt": "2026-01-01T04:00:00Z",
            "createdBy": "alice@example.com",
            "comment": "ack",
        }
        out["silence"] = client.post(env.alertmanager_url + "/api/v2/silences", json=silence).text
        for name, paths in PATHS.items():
            for path in paths:
                text = client.get(urls[name] + path).text
                # generatorURL names the demo Prometheus, whose port changes per run.
                out[f"{name}{path}"] = text.replace(env.prometheus_url, "http://prometheus")
    return out


def test_same_clock_and_seed_give_the_same_bytes() -> None:
    with DemoEnvironment(FakeClock()) as first:
        a = snapshot(first)
    with DemoEnvironment(FakeClock()) as second:
        b = snapshot(second)
    assert a == b
    assert all(len(v) > 20 for v in a.values())


def test_fixed_external_url_makes_alerts_byte_stable() -> None:
    bodies = []
    for _ in range(2):
        with DemoEnvironment(FakeClock(), external_url="http://prometheus.demo:9090") as env:
            bodies.append(httpx.get(env.alertmanager_url + "/api/v2/alerts/groups").text)
    assert bodies[0] == bodies[1]
    assert '"generatorURL":"http://prometheus.demo:9090/graph?g0.expr=' in bodies[0]


def test_another_seed_gives_other_data() -> None:
    with DemoEnvironment(FakeClock(), seed=7) as first:
        a = snapshot(first)
    with DemoEnvironment(FakeClock(), seed=8) as second:
        b = snapshot(second)
    assert a["jaeger/api/traces?service=checkout&limit=3"] != b["jaeger/api/traces?service=checkout&limit=3"]


def test_settings_point_the_demo_context_at_the_servers() -> None:
    with DemoEnvironment(FakeClock()) as env:
        settings = env.settings()
        assert isinstance(settings, Settings)
        assert settings.initial_context() == "demo"
        context = settings.contexts["demo"]
        assert (
            context.prometheus is not None and context.alertmanager is not None and context.jaeger is not None
        )
        assert str(context.prometheus.url).rstrip("/") == env.prometheus_url
        assert [str(u).rstrip("/") for u in context.alertmanager.urls] == [env.alertmanager_url]
        assert str(context.jaeger.url).rstrip("/") == env.jaeger_url
        assert env.prometheus_url.startswith("http://127.0.0.1:")
        kept = env.settings(Settings(user="bob@example.com"))
        assert kept.user == "bob@example.com" and kept.initial_context() == "demo"


def test_stop_frees_the_ports_and_closes_open_connections() -> None:
    env = DemoEnvironment(FakeClock())
    env.start()
    ports = [httpx.URL(u).port for u in (env.prometheus_url, env.alertmanager_url, env.jaeger_url)]
    client = httpx.Client()
    # A kept-alive connection must not hold the server open.
    assert client.get(env.prometheus_url + "/-/ready").status_code == 200
    env.stop()
    assert not env.running
    for port in ports:
        assert port is not None
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", port))
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/-/ready", timeout=2)
    client.close()
    env.stop()  # twice is fine
    with pytest.raises(RuntimeError):
        _ = env.prometheus_url


def test_time_moves_with_the_injected_clock() -> None:
    clock = FakeClock()
    with DemoEnvironment(clock) as env, httpx.Client(base_url=env.prometheus_url) as client:
        first = client.get("/api/v1/query", params={"query": "vector(1)"}).json()["data"]["result"][0][
            "value"
        ][0]
        clock.advance(90)
        second = client.get("/api/v1/query", params={"query": "vector(1)"}).json()["data"]["result"][0][
            "value"
        ][0]
    assert second - first == 90
    assert json.dumps(second) == str(int((clock.now()).timestamp()))
    assert clock.now() - timedelta(seconds=90) == FakeClock().now()


async def test_serves_while_an_event_loop_runs() -> None:
    with DemoEnvironment(FakeClock()) as env:
        async with httpx.AsyncClient(base_url=env.alertmanager_url) as client:
            response = await client.get("/api/v2/status")
    assert response.status_code == 200


def test_bad_requests_never_write_to_the_terminal(capfd: pytest.CaptureFixture[str]) -> None:
    # Under Textual, anything on stderr would draw over the screen.
    with DemoEnvironment(FakeClock()) as env:
        port = httpx.URL(env.prometheus_url).port
        assert port is not None
        for raw in (b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", b"\x00\xff\r\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(raw)
                conn.recv(4096)
        with httpx.Client(base_url=env.prometheus_url) as client:
            assert client.get("/api/v1/query", params={"query": "up"}).status_code == 200
    out, err = capfd.readouterr()
    assert out == "" and err == ""
