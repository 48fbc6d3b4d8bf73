#!/usr/bin/env bash
# Measures the image: its size, the time from `docker run` to a healthy
# /__admin/health over several starts (split into the `docker run -d` call
# and the rest), and the stop on SIGTERM (time and exit code). Results for
# docs/benchmarks.md.
#
#   docker/bench-start.sh [TAG] [STARTS]     # default standin:dev, 10
#
# Needs docker and curl; the image must exist (docker/build-image.sh).
set -euo pipefail

tag="${1:-standin:dev}"
starts="${2:-10}"

if ! docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$0: no image $tag; build it with docker/build-image.sh $tag" >&2
  exit 1
fi

now_ns() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.0f", ns / 1e6 }'; }

# free_port prints a port nothing listens on.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

size=$(docker image inspect --format '{{.Size}}' "$tag")
printf 'image %s: %d bytes (%.1f MiB)\n' "$tag" "$size" "$(awk -v b="$size" 'BEGIN { print b / 1048576 }')"

healthy=()
runs=()
after=()
stops=()
for i in $(seq 1 "$starts"); do
  port=$(free_port)
  t0=$(now_ns)
  cid=$(docker run -d -p "127.0.0.1:$port:8080" "$tag")
  tr=$(now_ns)
  until curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/__admin/health"; do
    if [ $(( $(now_ns) - t0 )) -gt 30000000000 ]; then
      echo "start $i: not healthy after 30 s" >&2
      docker logs "$cid" >&2 || true
      docker rm -f "$cid" >/dev/null
      exit 1
    fi
    sleep 0.005
  done
  t1=$(now_ns)
  docker stop "$cid" >/dev/null
  t2=$(now_ns)
  code=$(docker inspect --format '{{.State.ExitCode}}' "$cid")
  docker rm "$cid" >/dev/null
  if [ "$code" != 0 ]; then
    echo "start $i: exit code $code after SIGTERM" >&2
    exit 1
  fi
  healthy+=("$(ms $((t1 - t0)))")
  runs+=("$(ms $((tr - t0)))")
  after+=("$(ms $((t1 - tr)))")
  stops+=("$(ms $((t2 - t1)))")
  echo "start $i: healthy after $(ms $((t1 - t0))) ms (docker run -d returned after $(ms $((tr - t0))) ms);" \
    "docker stop took $(ms $((t2 - t1))) ms, exit code 0"
done

summary() { # name values...
  local name=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v name="$name" '
    { v[NR] = $1 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%s over %d starts: min %d ms, median %g ms, max %d ms\n", name, NR, v[1], med, v[NR]
    }'
}
summary "start to healthy" "${healthy[@]}"
summary "  docker run -d" "${runs[@]}"
summary "  then to healthy" "${after[@]}"
summary "stop on SIGTERM" "${stops[@]}"
