# syntax=docker/dockerfile:1
#
# The agentguard image: agentguard-webhook, agentguard-operator, agentguard-gate (which the operator
# runs in each namespace whose sandboxes declare tools or egress hosts) and the agentguard checker, with
# the bundled policies in /etc/agentguard/policies. The Helm chart (charts/agentguard) runs the
# components from it.
#
#   scripts/build-image.sh                         # buildah, here: makes debian:bookworm from Debian's packages
#   docker build -t agentguard:0.1.0 .             # or any Dockerfile builder (BuildKit, buildah bud, kaniko)
#   docker build --build-arg RUN_TESTS=true -t agentguard:0.1.0 .   # also run the unit tests
#
# The runtime stage is distroless in the Debian way: no shell, no package manager, only the four
# binaries, the shared libraries `ldd` resolves for them (libre2 for the gate among them; copied from
# the build stage, so the versions are exactly those the binaries were linked against), CA
# certificates, a passwd entry for the non-root user, and a dpkg status record of every package a file came from, so image scanners
# (trivy, grype) see the Debian packages and their versions.

ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE} AS build

# The -dev packages scripts/install-deps.sh installs, less the test-only and fuzzing ones; ccache for
# the cache mount below.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config g++ ca-certificates ccache \
      libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev prometheus-cpp-dev libssl-dev libboost1.74-dev libre2-dev libcli11-dev \
      libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# .dockerignore keeps build directories, .git, the chart and the e2e scripts out of the context.
COPY . .

# RUN_TESTS=true builds and runs the unit tests (label "unit"; the suites that need a Kubernetes
# control plane cannot run in a build). The compiler cache lives in a cache mount: it survives
# between builds on one machine and never enters the image.
ARG RUN_TESTS=false
# The git commit agentguard_build_info{revision} reports (.git is not in the context).
ARG AGENTGUARD_REVISION=unknown
RUN --mount=type=cache,target=/root/.cache/ccache \
    set -eux; \
    export CCACHE_DIR=/root/.cache/ccache; \
    tests=OFF; [ "$RUN_TESTS" = true ] && tests=ON; \
    cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
          -DAGENTGUARD_REVISION="$AGENTGUARD_REVISION" -DAGENTGUARD_BUILD_TESTS="$tests" -DAGENTGUARD_BUILD_BENCHMARKS=OFF -DAGENTGUARD_BUILD_FUZZERS=OFF; \
    if [ "$tests" = ON ]; then \
      cmake --build /build -j"$(nproc)"; \
      ctest --test-dir /build -L unit --output-on-failure -j"$(nproc)"; \
    else \
      cmake --build /build -j"$(nproc)" --target agentguard agentguard-webhook agentguard-operator agentguard-gate; \
    fi

# The runtime root file system, assembled in /rootfs: merged /usr like Debian bookworm.
RUN set -eux; \
    mkdir -p /rootfs/usr/lib/x86_64-linux-gnu /rootfs/usr/lib64 /rootfs/usr/local/bin \
             /rootfs/etc/agentguard/policies /rootfs/etc/ssl/certs /rootfs/var/lib/dpkg/status.d /rootfs/tmp; \
    ln -s usr/lib /rootfs/lib; ln -s usr/lib64 /rootfs/lib64; ln -s usr/bin /rootfs/bin; \
    mkdir -p /rootfs/usr/bin; \
    chmod 1777 /rootfs/tmp; \
    for binary in agentguard agentguard-webhook agentguard-operator agentguard-gate; do \
      strip --strip-unneeded -o "/rootfs/usr/local/bin/$binary" "/build/bin/$binary"; \
    done; \
    for policy in policies/*/policy.yaml; do \
      cp "$policy" "/rootfs/etc/agentguard/policies/$(basename "$(dirname "$policy")").yaml"; \
    done; \
    libraries="$(for binary in /rootfs/usr/local/bin/*; do ldd "$binary"; done \
                 | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)"; \
    for library in $libraries; do \
      case "$library" in /lib/*|/lib64/*) target="/rootfs/usr$library" ;; *) target="/rootfs$library" ;; esac; \
      mkdir -p "$(dirname "$target")"; \
      cp -L "$library" "$target"; \
      package="$( { dpkg -S "$library" || dpkg -S "$(readlink -f "$library")"; } 2>/dev/null | head -n 1 | cut -d: -f1)"; \
      [ -n "$package" ] || { echo "no Debian package owns $library" >&2; exit 1; }; \
      echo "$package" >>/tmp/packages; \
    done; \
    echo ca-certificates >>/tmp/packages; \
    for package in $(sort -u /tmp/packages); do \
      dpkg-query -s "$package" >"/rootfs/var/lib/dpkg/status.d/$package"; \
      if [ -f "/usr/share/doc/$package/copyright" ]; then \
        install -D -m 0644 "/usr/share/doc/$package/copyright" "/rootfs/usr/share/doc/$package/copyright"; \
      fi; \
    done; \
    cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ca-certificates.crt; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >/rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group; \
    printf 'hosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
    mkdir -p /rootfs/home/nonroot; chown 65532:65532 /rootfs/home/nonroot; \
    # Every library resolved: the checker runs from the new root with nothing else.
    for binary in agentguard agentguard-webhook agentguard-operator agentguard-gate; do chroot /rootfs "/usr/local/bin/$binary" --help >/dev/null; done

# ---------------------------------------------------------------------------------------------------
FROM scratch AS runtime

COPY --from=build /rootfs/ /
# The bundled policies as files, for agentguard-webhook --policies; agentguard check has the same set
# built in and reads a directory only when --policies or AGENTGUARD_POLICIES names one.

# The distroless "nonroot" user; the chart's securityContext runs as the same ids.
USER 65532:65532
WORKDIR /tmp
ENV PATH=/usr/local/bin

ARG AGENTGUARD_VERSION=0.1.0
LABEL org.opencontainers.image.title="agentguard" \
      org.opencontainers.image.version="${AGENTGUARD_VERSION}" \
      org.opencontainers.image.description="Admission webhook, operator and checker that keep AI-agent workloads isolated on Kubernetes"

# The chart sets the command per component; the checker is the default.
ENTRYPOINT ["/usr/local/bin/agentguard"]
CMD ["--help"]
