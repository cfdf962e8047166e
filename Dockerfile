# syntax=docker/dockerfile:1
#
# The agentguard image: agentguard-webhook, agentguard-operator and the agentguard checker, with the
# bundled policies in /etc/agentguard/policies. The Helm chart (charts/agentguard) runs both
# components from it.
#
#   docker build -t agentguard:0.1.0 .
#   docker build --build-arg RUN_TESTS=true -t agentguard:0.1.0 .   # also run the unit tests
#
# This file has not been built: it was written where no Docker engine runs and no base image can be
# pulled, and was checked by reading only. The runtime package list below comes from `ldd` on the
# binaries built on Debian bookworm (the same packages and versions as the build stage) and
# `dpkg -S` on each library.

ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE} AS build

# The -dev packages scripts/install-deps.sh installs, less the test-only and fuzzing ones.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config g++ ca-certificates \
      libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libssl-dev libboost1.74-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# .dockerignore keeps build directories, .git, the chart and the e2e scripts out of the context.
COPY . .

# RUN_TESTS=true builds and runs the unit tests (label "unit"; the suites that need a Kubernetes
# control plane cannot run in a build).
ARG RUN_TESTS=false
RUN set -eux; \
    tests=OFF; [ "$RUN_TESTS" = true ] && tests=ON; \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DAGENTGUARD_BUILD_TESTS="$tests" \
          -DAGENTGUARD_BUILD_BENCHMARKS=OFF -DAGENTGUARD_BUILD_FUZZERS=OFF; \
    if [ "$tests" = ON ]; then \
      cmake --build /build -j"$(nproc)"; \
      ctest --test-dir /build -L unit --output-on-failure -j"$(nproc)"; \
    else \
      cmake --build /build -j"$(nproc)" --target agentguard agentguard-webhook agentguard-operator; \
    fi; \
    mkdir -p /out/bin /out/policies; \
    for binary in agentguard agentguard-webhook agentguard-operator; do \
      strip --strip-unneeded -o "/out/bin/$binary" "/build/bin/$binary"; \
    done; \
    for policy in policies/*/policy.yaml; do \
      cp "$policy" "/out/policies/$(basename "$(dirname "$policy")").yaml"; \
    done

# ---------------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime

# Only the shared libraries the binaries link, and CA certificates. The HTTPS server uses Boost.Asio
# and Beast as headers only and links no Boost library; libbrotli1 and zlib1g come as cpprestsdk's
# dependencies, libcivetweb1 as prometheus-cpp-pull's.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libcpprest2.10 libyaml-cpp0.7 libssl3 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /var/log/apt /var/log/dpkg.log

COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=build /out/policies/ /etc/agentguard/policies/
# The bundled policies as files, for agentguard-webhook --policies; agentguard check has the same set built in
# and reads a directory only when --policies or AGENTGUARD_POLICIES names one.

# The distroless "nonroot" user; the chart's securityContext runs as the same ids.
USER 65532:65532
WORKDIR /tmp

LABEL org.opencontainers.image.title="agentguard" \
      org.opencontainers.image.description="Admission webhook, operator and checker that keep AI-agent workloads isolated on Kubernetes"

# The chart sets the command per component; the checker is the default.
ENTRYPOINT ["/usr/local/bin/agentguard"]
CMD ["--help"]
