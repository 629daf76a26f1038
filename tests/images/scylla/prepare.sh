#!/usr/bin/env bash
# Host-side preparation of the scylla stand-in (called by
# scripts/build-standin-images.sh with the staging context as $1):
# resolves Apache Cassandra's server jar and its runtime dependencies from
# Maven Central with `mvn dependency:copy-dependencies` and copies them to
# <context>/lib. The result is cached under $ARTIFACTS_DIR keyed by version,
# so only the first build downloads (~40 s); later builds copy the cache.
set -Eeuo pipefail

CASSANDRA_VERSION=5.0.6

context="${1:?usage: prepare.sh <staging-context-dir>}"
: "${ARTIFACTS_DIR:=${MULTIDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multidb-platform}/images/artifacts}"
cache="$ARTIFACTS_DIR/cassandra-$CASSANDRA_VERSION"

if [ ! -f "$cache/.complete" ]; then
	command -v mvn >/dev/null 2>&1 || { echo "prepare.sh: mvn (Apache Maven) is needed on the host" >&2; exit 1; }
	work="$(mktemp -d "${TMPDIR:-/tmp}/cassandra-jars.XXXXXX")"
	trap 'rm -rf "$work"' EXIT
	cat >"$work/pom.xml" <<-POM
		<project xmlns="http://maven.apache.org/POM/4.0.0">
		  <modelVersion>4.0.0</modelVersion>
		  <groupId>org.multidb.standin</groupId>
		  <artifactId>cassandra-jars</artifactId>
		  <version>1</version>
		  <packaging>pom</packaging>
		  <dependencies>
		    <dependency>
		      <groupId>org.apache.cassandra</groupId>
		      <artifactId>cassandra-all</artifactId>
		      <version>$CASSANDRA_VERSION</version>
		    </dependency>
		  </dependencies>
		</project>
	POM
	mkdir -p "$ARTIFACTS_DIR"
	(cd "$work" && mvn -B -q -Dmaven.repo.local="$ARTIFACTS_DIR/m2" \
		org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
		-DincludeScope=runtime -DoutputDirectory="$work/lib")
	ls "$work/lib"/cassandra-all-"$CASSANDRA_VERSION".jar >/dev/null
	rm -rf "$cache"
	mkdir -p "$cache"
	mv "$work/lib" "$cache/lib"
	echo "$CASSANDRA_VERSION" >"$cache/.complete"
	# the local Maven repository is only a download cache
	rm -rf "$ARTIFACTS_DIR/m2"
fi

rm -rf "$context/lib"
cp -a "$cache/lib" "$context/lib"
echo "$CASSANDRA_VERSION" >"$context/CASSANDRA_VERSION"

# cqlsh wheels for the image's Python (Debian bookworm: CPython 3.11), keyed by
# the hash of the pinned requirements
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reqs="$here/cqlsh-requirements.txt"
wheels="$ARTIFACTS_DIR/cqlsh-wheels-$(sha256sum <"$reqs" | cut -c1-16)"
if [ ! -f "$wheels/.complete" ]; then
	rm -rf "$wheels.tmp"
	python3 -m pip download --disable-pip-version-check -q --no-deps -d "$wheels.tmp" \
		--only-binary=:all: --implementation cp --python-version 3.11 --abi cp311 \
		--platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
		--platform manylinux1_x86_64 --platform manylinux_2_5_x86_64 -r "$reqs"
	touch "$wheels.tmp/.complete"
	rm -rf "$wheels"
	mv "$wheels.tmp" "$wheels"
fi
rm -rf "$context/wheels"
mkdir -p "$context/wheels"
cp "$wheels"/*.whl "$context/wheels/"
