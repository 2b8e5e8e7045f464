#!/usr/bin/env bash
# Load benchmark: the simulated vendor driven directly, through nginx (the floor), and through ActorRelay,
# in the same run, with wrk. Usage: benchmarks/load/run.sh [seconds-per-scenario]
# Needs wrk and nginx (apt-get install -y wrk nginx-light). Writes benchmarks/results/<date>-load.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
work=$(mktemp -d /tmp/actorrelay-load.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

vendor=127.0.0.1:9101 proxy=127.0.0.1:9102 gateway=127.0.0.1:9103
dotnet build -c Release src/ActorRelay.Gateway -v q -nologo >/dev/null  # builds the simulated vendor too

# The vendor: no delay unless a request asks for one; 16-token answers.
SimulatedVendor__ResponseTokens=16 Logging__LogLevel__Default=Warning \
  dotnet src/ActorRelay.SimulatedVendor/bin/Release/net10.0/ActorRelay.SimulatedVendor.dll --urls "http://$vendor" >"$work/vendor.log" 2>&1 &
pids+=($!)

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 8192; }
http {
  access_log off;
  upstream vendor { server $vendor; keepalive 256; }
  server {
    listen $proxy;
    location / {
      proxy_pass http://vendor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
NGINX
nginx -p "$work" -c "$work/nginx.conf"

start_gateway() { # $1 = RequireKeys (true|false)
  env "Urls=http://$gateway" Logging__LogLevel__Default=Warning \
    ActorRelay__Akka__Remote__Port=0 \
    "ActorRelay__Akka__Journal__ConnectionString=Data Source=$work/journal-$1.db" \
    "ActorRelay__Access__RequireKeys=$1" ActorRelay__Access__Demo__Enabled=true ActorRelay__Access__Demo__Key=sk-ar-load \
    ActorRelay__Channels__vendor__Type=OpenAICompatible "ActorRelay__Channels__vendor__BaseUrl=http://$vendor/v1/" \
    ActorRelay__Channels__vendor__MaxConcurrency=100000 \
    ActorRelay__Channels__vendor50__Type=OpenAICompatible "ActorRelay__Channels__vendor50__BaseUrl=http://$vendor/v1/" \
    ActorRelay__Channels__vendor50__MaxConcurrency=100000 "ActorRelay__Channels__vendor50__Headers__x-sim-first-token-delay-ms=50" \
    ActorRelay__Models__bench__Channel=vendor ActorRelay__Models__bench__VendorModel=sim-small \
    ActorRelay__Models__bench50__Channel=vendor50 ActorRelay__Models__bench50__VendorModel=sim-small \
    "ActorRelay__Prices__Models__sim-small__InputPerMillion=0.15" "ActorRelay__Prices__Models__sim-small__OutputPerMillion=0.6" \
    dotnet src/ActorRelay.Gateway/bin/Release/net10.0/ActorRelay.Gateway.dll --contentRoot "$PWD/src/ActorRelay.Gateway" >"$work/gateway-$1.log" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  for _ in $(seq 1 120); do
    curl -sf "http://$gateway/readyz" >/dev/null 2>&1 && curl -sf -H "Authorization: Bearer sk-ar-load" "http://$gateway/v1/models" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "gateway did not start" >&2; cat "$work/gateway-$1.log" >&2; exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

body() { # $1 = model, $2 = stream
  printf '{"model":"%s","stream":%s,"max_tokens":16,"messages":[{"role":"user","content":"benchmark me please"}]}' "$1" "$2" >"$work/body-$1-$2.json"
  echo "$work/body-$1-$2.json"
}

results=()
run() { # $1 name, $2 target, $3 url, $4 model, $5 stream, $6 connections, $7 sim delay header, $8 auth
  local before after
  [ -n "${gateway_pid:-}" ] && before=$(cpu_ticks "$gateway_pid")
  line=$(BODY_FILE=$(body "$4" "$5") AUTH="$8" SIM_DELAY_MS="$7" wrk -t2 -c"$6" -d"${duration}s" --latency -s benchmarks/load/post.lua "$3" | grep RESULT)
  local cpu="" rss=""
  if [ "$2" = gateway ]; then
    after=$(cpu_ticks "$gateway_pid")
    local rps total
    rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
    total=$(awk -v r="$rps" -v d="$duration" 'BEGIN {print r * d}')
    cpu=$(awk -v t=$((after - before)) -v n="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", (t / hz) * 1000 / n}')
    rss=$(peak_rss_mb "$gateway_pid")
  fi
  results+=("$1|$2|$6|$line|$cpu|$rss")
  echo "$1 $2 c=$6 $line cpu_ms_per_req=$cpu peak_rss_mb=$rss" >&2
}

start_gateway false
for target in direct nginx gateway; do
  case $target in direct) base="http://$vendor";; nginx) base="http://$proxy";; gateway) base="http://$gateway";; esac
  model=sim-small model50=sim-small delay50=50
  [ "$target" = gateway ] && model=bench model50=bench50 delay50=""
  run "non-stream, 0 ms vendor delay" "$target" "$base/v1/chat/completions" "$model" false 32 "" ""
  run "non-stream, 50 ms vendor delay" "$target" "$base/v1/chat/completions" "$model50" false 64 "$delay50" ""
  run "stream (whole stream), 0 ms delay" "$target" "$base/v1/chat/completions" "$model" true 32 "" ""
done
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
start_gateway true
run "non-stream, 0 ms vendor delay, keys + budgets + ledger" gateway "http://$gateway/v1/chat/completions" bench false 32 "" sk-ar-load

out="benchmarks/results/$(date -u +%Y-%m-%d)-load.md"
{
  echo "# Load benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem/ {print $2}') GiB;"
  echo "wrk, vendor, nginx and gateway share the cores. Release build. Command: \`benchmarks/load/run.sh $duration\`"
  echo "(${duration} s per scenario, wrk -t2). Latency in ms; CPU and peak RSS of the gateway process only."
  echo
  echo "| scenario | target | connections | requests/s | p50 | p90 | p99 | errors | gateway CPU ms/request | gateway peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for r in "${results[@]}"; do
    IFS='|' read -r name target conns line cpu rss <<<"$r"
    rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line"); p50=$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")
    p90=$(sed -E 's/.*p90=([0-9.]+).*/\1/' <<<"$line"); p99=$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")
    errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
    echo "| $name | $target | $conns | $rps | $p50 | $p90 | $p99 | $errors | $cpu | $rss |"
  done
} >"$out"
echo "wrote $out" >&2
cat "$out"
