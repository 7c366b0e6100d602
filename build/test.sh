#!/usr/bin/env bash
# Builds Tendril and runs every test project — unit and privileged — then a smoke run of each benchmark.
# Run as root: the privileged suites load real BPF programs and build real namespaces (they skip, saying so, otherwise).
# Ends with one line "tests: N passed, N failed, N skipped" and fails if anything failed or a test left objects behind.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results="$(mktemp -d /tmp/tendril-test.XXXXXX)"
trap 'rm -rf "$results"' EXIT

# Everything the tests create carries the "tt" prefix (tests/Tendril.Tests.Common/TestNames.cs).
leftovers() {
  { ip netns list 2>/dev/null | awk '{print "netns " $1}'
    ip -o link show 2>/dev/null | awk -F': ' '{print "link " $2}' | sed 's/@.*//'
    ls /sys/fs/bpf 2>/dev/null | sed 's/^/bpffs /'
    ls /sys/fs/cgroup/unified 2>/dev/null | sed 's/^/cgroup /'
  } | grep -E '^[a-z]+ tt[0-9a-f]{4}' || true
}
before="$(leftovers)"

dotnet build Tendril.slnx -c Release -warnaserror -nologo -clp:ErrorsOnly
# The CNI plugin as runtimes get it: Native AOT. The CNI tests run this binary (and podman runs it for them).
dotnet publish src/Tendril.Cni -c Release -r linux-x64 -warnaserror -nologo -clp:ErrorsOnly -o artifacts/cni
export TENDRIL_CNI_PLUGIN="$PWD/artifacts/cni/tendril-cni"
# The Hubble client in another gRPC stack that a test runs against the agent.
if command -v npm >/dev/null && [[ ! -d tests/node-hubble-client/node_modules ]]; then
  (cd tests/node-hubble-client && npm install --no-audit --no-fund --loglevel=error)
fi

status=0
# The test projects are the solution's projects under tests/ that reference the test SDK.
for csproj in $(grep -o 'tests/[^"]*\.csproj' Tendril.slnx); do
  project="$(dirname "$csproj")"
  name="$(basename "$project")"
  grep -q 'Microsoft.NET.Test.Sdk' "$csproj" || continue
  echo "== $name"
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    --logger "console;verbosity=normal" || status=1
done

after="$(leftovers)"
new="$(comm -13 <(echo "$before" | sort) <(echo "$after" | sort) | sed '/^$/d')"
if [[ -n "$new" ]]; then
  echo "Tests left these behind:" >&2
  echo "$new" >&2
  status=1
fi

if [[ -d bench/Tendril.Bench ]] && [[ "$(id -u)" == 0 ]]; then
  echo "== benchmark smoke run"
  dotnet run -c Release --project bench/Tendril.Bench -- ebpf --smoke || status=1
  dotnet run -c Release --project bench/Tendril.Bench --no-build -- datapath --smoke || status=1
  dotnet run -c Release --project bench/Tendril.Bench --no-build -- observer --smoke || status=1
  dotnet run -c Release --project bench/Tendril.Bench --no-build -- services --smoke || status=1
  dotnet run -c Release --project bench/Tendril.Bench --no-build -- cni --smoke || status=1
  dotnet run -c Release --project bench/Tendril.Bench --no-build -- cni --smoke --endpoint-attach tc || status=1
fi

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx")"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  n="$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${n:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
[[ $failed -eq 0 ]] || status=1
exit $status
