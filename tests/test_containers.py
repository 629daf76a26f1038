"""Container state of every service in the `services` contract (testinfra docker backend)."""

from __future__ import annotations

import time

import pytest
import testinfra

LOCAL = testinfra.get_host("local://")


def _wait_healthy(name: str, deadline: float = 60) -> dict:
    end = time.monotonic() + deadline
    while True:
        info = LOCAL.docker(name).inspect()
        status = info["State"].get("Health", {}).get("Status")
        if status == "healthy" or time.monotonic() > end:
            return info
        time.sleep(2)


@pytest.fixture(scope="module")
def containers(services) -> dict:
    assert services, "the services contract is empty"
    return {svc: _wait_healthy(entry["container"]) for svc, entry in services.items()}


def test_every_service_is_running_and_healthy(containers):
    for svc, info in containers.items():
        assert info["State"]["Running"], f"{svc} is not running"
        assert info["State"]["Health"]["Status"] == "healthy", f"{svc}: {info['State']['Health']}"


def test_memory_limit_applied_without_extra_swap(containers, inventory_vars):
    for svc, info in containers.items():
        expected = int(inventory_vars[f"multidb_{svc}_memory_mb"]) * 1024 * 1024
        assert info["HostConfig"]["Memory"] == expected, svc
        assert info["HostConfig"]["MemorySwap"] == expected, svc
        expected_cpus = float(inventory_vars[f"multidb_{svc}_cpus"])
        assert info["HostConfig"]["NanoCpus"] == int(expected_cpus * 1e9), svc


def test_ports_published_on_loopback_only(containers, services):
    for svc, info in containers.items():
        bindings = [b for port in info["HostConfig"]["PortBindings"].values() for b in port]
        assert bindings, f"{svc} publishes no port"
        assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}, f"{svc}: {bindings}"
        assert str(services[svc]["port"]) in {b["HostPort"] for b in bindings}, svc


def test_data_volume_mounted(containers, services):
    for svc, info in containers.items():
        mounts = [m for m in info["Mounts"] if m["Type"] == "volume" and m["Name"] == services[svc]["volume"]]
        assert len(mounts) == 1, f"{svc}: volume {services[svc]['volume']} not mounted: {info['Mounts']}"
        inside = testinfra.get_host(f"docker://{services[svc]['container']}")
        assert inside.mount_point(mounts[0]["Destination"]).exists, f"{svc}: nothing mounted at {mounts[0]['Destination']}"


def test_containers_labelled_with_project(containers, project):
    for svc, info in containers.items():
        labels = info["Config"]["Labels"]
        assert labels.get("project") == project and labels.get("service") == svc, labels
