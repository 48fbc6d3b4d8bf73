#!/usr/bin/env bash
# Builds standin's image with no registry: the static binary is compiled on
# this machine and copied FROM scratch together with a CA bundle and a
# non-root user.
#
#   docker/build-image.sh [TAG]        # default standin:dev
#
# Environment:
#   VERSION         version the binary reports (default: git describe, else dev)
#   GOARCH          target architecture (default: the Docker engine's)
#   CA_BUNDLE       CA certificates to copy in (default: the first of the usual
#                   system paths that exists)
#   DOCKER_BUILDKIT honoured when set; otherwise BuildKit is used when buildx
#                   is installed and the classic builder when it is not.
set -euo pipefail

tag="${1:-standin:dev}"
if [ $# -gt 1 ]; then
  echo "usage: $0 [TAG]" >&2
  exit 2
fi

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

version="${VERSION:-$(git -C "$root" describe --tags --always --dirty 2>/dev/null || echo dev)}"

if ! docker version >/dev/null 2>&1; then
  echo "$0: no Docker engine answers (docker version failed)" >&2
  exit 1
fi
if [ -z "${GOARCH:-}" ]; then
  GOARCH="$(docker version --format '{{.Server.Arch}}')"
fi
export GOARCH

ca="${CA_BUNDLE:-}"
if [ -z "$ca" ]; then
  for f in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt \
           /etc/ssl/cert.pem /etc/ssl/ca-bundle.pem; do
    if [ -r "$f" ]; then ca="$f"; break; fi
  done
fi
if [ -z "$ca" ] || [ ! -r "$ca" ]; then
  echo "$0: no CA bundle found; set CA_BUNDLE=/path/to/ca-certificates.crt" >&2
  exit 1
fi

ctx="$(mktemp -d "${TMPDIR:-/tmp}/standin-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT

# nomsgpack drops gin's MessagePack codec, which standin never uses (6 MB).
echo "== go build (standin $version, linux/$GOARCH)"
(cd "$root" && CGO_ENABLED=0 GOOS=linux go build -trimpath -buildvcs=false -tags nomsgpack \
  -ldflags "-s -w -X main.version=$version" -o "$ctx/standin" ./cmd/standin)

cp "$here/Dockerfile" "$ctx/Dockerfile"
cp "$ca" "$ctx/ca-certificates.crt"
printf 'standin:x:65532:65532:standin:/:/standin\n' > "$ctx/passwd"
printf 'standin:x:65532:\n' > "$ctx/group"
chmod 0755 "$ctx/standin"
chmod 0644 "$ctx/ca-certificates.crt" "$ctx/passwd" "$ctx/group" "$ctx/Dockerfile"

if [ -z "${DOCKER_BUILDKIT:-}" ]; then
  if docker buildx version >/dev/null 2>&1; then
    export DOCKER_BUILDKIT=1
  else
    export DOCKER_BUILDKIT=0
  fi
fi

previous="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
echo "== docker build -t $tag"
docker build --quiet --label "org.opencontainers.image.version=$version" \
  --label "org.opencontainers.image.title=standin" -t "$tag" "$ctx"
# The image the tag named before would be left dangling: remove it unless
# a container still uses it.
current="$(docker image inspect --format '{{.Id}}' "$tag")"
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi
size="$(docker image inspect --format '{{.Size}}' "$tag")"
echo "built $tag: $(awk -v b="$size" 'BEGIN { printf "%.1f MiB", b / 1048576 }') (standin $version)"
