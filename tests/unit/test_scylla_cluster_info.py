"""Unit tier: how scylla_cluster_info names each node's state from what the nodes said."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "collections"))

from ansible_collections.multidb.platform.plugins.modules import scylla_cluster_info as m  # noqa: E402


def node(name, host_id, peers=(), bootstrapped="COMPLETED", error=""):
    return dict(name=name, endpoint=f"127.0.0.1:{9042 + int(name[-1])}", host_id=host_id, bootstrapped=bootstrapped,
                peers=list(peers), error=error)


def states(seen):
    return [(s["name"], s["state"]) for s in m.ring_states(seen)]


def test_every_node_up_when_each_knows_the_others():
    seen = [node("node1", "a", "bc"), node("node2", "b", "ac"), node("node3", "c", "ab")]
    assert states(seen) == [("node1", "up"), ("node2", "up"), ("node3", "up")]
    assert m.summary(m.ring_states(seen)) == "3/3 up: node1 up, node2 up, node3 up"


def test_a_node_that_does_not_answer_is_down_with_the_reason():
    seen = [node("node1", "a", "bc"), node("node2", "b", "ac"), node("node3", "", error="connection refused")]
    assert states(seen) == [("node1", "up"), ("node2", "up"), ("node3", "down")]
    assert m.summary(m.ring_states(seen)).endswith("node3 down (connection refused)")


def test_bootstrapping_node_is_joining():
    seen = [node("node1", "a", "b"), node("node2", "b", "a", bootstrapped="IN_PROGRESS")]
    assert states(seen) == [("node1", "up"), ("node2", "joining")]


def test_a_node_the_others_do_not_know_is_not_in_the_ring():
    # node3 runs a cluster of its own (wrong seed): node1 and node2 do not list it.
    seen = [node("node1", "a", "b"), node("node2", "b", "a"), node("node3", "c", "")]
    assert states(seen) == [("node1", "up"), ("node2", "up"), ("node3", "not in ring")]


def test_refused_login_is_down_not_up():
    seen = [node("node1", "", error="authentication failed")]
    assert states(seen) == [("node1", "down")]
    assert m.summary(m.ring_states(seen)) == "0/1 up: node1 down (authentication failed)"


def test_the_ring_is_seen_from_the_first_node_that_answers():
    # node1 down: node2's view decides, and it does not know node3.
    seen = [node("node1", "", error="timed out"), node("node2", "b", "a"), node("node3", "c", "ab")]
    assert states(seen) == [("node1", "down"), ("node2", "up"), ("node3", "not in ring")]
