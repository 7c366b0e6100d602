#!/usr/bin/env bash
# Runs the datapath benchmark with kernel.bpf_stats_enabled=1 and reports what each endpoint program cost per
# packet (run_time_ns / run_cnt), for every program instance the benchmark loaded: over its whole life, and over
# its last few seconds alone (the request/response phase, which runs last in each scenario).
# Usage, as root: bench/bpf-stats.sh [extra benchmark arguments, e.g. --smoke]
set -euo pipefail
cd "$(dirname "$0")/.."

samples="$(mktemp /tmp/tendril-bpf-stats.XXXXXX)"
previous="$(sysctl -n kernel.bpf_stats_enabled)"
trap 'sysctl -qw kernel.bpf_stats_enabled="$previous"; rm -f "$samples"' EXIT
sysctl -qw kernel.bpf_stats_enabled=1

dotnet build bench/Tendril.Bench -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet run -c Release --no-build --project bench/Tendril.Bench -- datapath "$@" &
bench=$!
# One line per program per sample: time_ns id name run_time_ns run_cnt.
while kill -0 "$bench" 2>/dev/null; do
  now="$(date +%s%N)"
  bpftool -j prog show 2>/dev/null | jq -r --arg now "$now" \
    '.[] | select(.name | startswith("tendril_")) | "\($now) \(.id) \(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"' >>"$samples" || true
  sleep 0.25
done
wait "$bench"

# The request/response phase is the last 3 s of a scenario; the window ends at the program's last sample.
awk -v window_ns=3000000000 '
  { t[$2, ++n[$2]] = $1; rt[$2, n[$2]] = $4; rc[$2, n[$2]] = $5; name[$2] = $3 }
  END {
    printf "%-6s %-24s %12s %10s %14s %10s\n", "id", "program", "packets", "ns/pkt", "last3s packets", "ns/pkt"
    for (id in name) {
      last = n[id]; first = last
      while (first > 1 && t[id, last] - t[id, first - 1] <= window_ns) first--
      dc = rc[id, last] - rc[id, first]; dt = rt[id, last] - rt[id, first]
      printf "%-6s %-24s %12d %10.0f %14d %10.0f\n", id, name[id], rc[id, last],
        rc[id, last] ? rt[id, last] / rc[id, last] : 0, dc, dc ? dt / dc : 0
    }
  }' "$samples" | sort -n
