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


def _instances(services: dict) -> dict:
    """One entry per container: a clustered service (with `nodes`) has one per node."""
    out = {}
    for svc, entry in services.items():
        for node in entry.get("nodes") or [entry]:
            out[node["container"]] = {"service": svc, "container": node["container"],
                                      "volume": node["volume"], "port": node["port"]}
    return out


@pytest.fixture(scope="module")
def instances(services) -> dict:
    assert services, "the services contract is empty"
    return _instances(services)


@pytest.fixture(scope="module")
def containers(instances) -> dict:
    """docker inspect of every container, keyed by container name, once healthy."""
    return {name: _wait_healthy(name, deadline=180) for name in instances}


def test_every_container_is_running_and_healthy(containers):
    for name, info in containers.items():
        assert info["State"]["Running"], f"{name} is not running"
        assert info["State"]["Health"]["Status"] == "healthy", f"{name}: {info['State']['Health']}"


def test_every_service_has_its_containers(instances, services, project):
    """Exactly the enabled services' containers exist in the project (nothing else, nothing missing)."""
    found = {c.name for c in LOCAL.docker.get_containers(label=f"project={project}")}
    assert found == set(instances), f"containers {sorted(found)} != contract {sorted(instances)}"


def test_memory_limit_applied_without_extra_swap(containers, instances, inventory_vars):
    for name, info in containers.items():
        svc = instances[name]["service"]
        expected = int(inventory_vars[f"multidb_{svc}_memory_mb"]) * 1024 * 1024
        assert info["HostConfig"]["Memory"] == expected, name
        assert info["HostConfig"]["MemorySwap"] == expected, name
        expected_cpus = float(inventory_vars[f"multidb_{svc}_cpus"])
        assert info["HostConfig"]["NanoCpus"] == int(expected_cpus * 1e9), name


def test_ports_published_on_loopback_only(containers, instances):
    for name, info in containers.items():
        bindings = [b for port in info["HostConfig"]["PortBindings"].values() for b in port]
        assert bindings, f"{name} publishes no port"
        assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}, f"{name}: {bindings}"
        assert str(instances[name]["port"]) in {b["HostPort"] for b in bindings}, name


def test_data_volume_mounted(containers, instances):
    for name, info in containers.items():
        volume = instances[name]["volume"]
        mounts = [m for m in info["Mounts"] if m["Type"] == "volume" and m["Name"] == volume]
        assert len(mounts) == 1, f"{name}: volume {volume} not mounted: {info['Mounts']}"
        # Seen from inside too, where the image has a shell (dxflrs/garage is FROM scratch:
        # there the Mounts entry above is the proof).
        if LOCAL.run(f"docker exec {name} /bin/sh -c true").rc == 0:
            inside = testinfra.get_host(f"docker://{name}")
            assert inside.mount_point(mounts[0]["Destination"]).exists, f"{name}: nothing mounted at {mounts[0]['Destination']}"


def test_no_anonymous_volume(containers, project):
    """Every volume a container mounts is one of the project's named volumes: Docker makes an
    anonymous volume for a `VOLUME` of the image that nothing is mounted on, and it outlives a
    container removed by hand (MongoDB's /data/configdb did, once per CI run)."""
    for name, info in containers.items():
        volumes = [m["Name"] for m in info["Mounts"] if m["Type"] == "volume"]
        assert volumes and all(v.startswith(f"{project}-") for v in volumes), f"{name}: {info['Mounts']}"


def test_containers_labelled_with_project(containers, instances, project):
    for name, info in containers.items():
        labels = info["Config"]["Labels"]
        assert labels.get("project") == project and labels.get("service") == instances[name]["service"], labels
