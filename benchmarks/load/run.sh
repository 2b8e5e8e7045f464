#!/usr/bin/env bash
# Load benchmark of the performance issue, in one run: the vendor driven directly, through nginx (the floor) and
# through ActorRelay, each warmed up first, then measured with the same load.
# Usage: benchmarks/load/run.sh [seconds-per-scenario (10)] [least warm-up seconds per target (60)] [open streams (5000)]
# Env: UPSTREAM_URL / UPSTREAM_KEY / UPSTREAM_MODEL benchmark another OpenAI-compatible upstream instead of the
# simulated vendor (see benchmarks/README.md); GATEWAY_ENV="NAME=value ..." adds environment variables to the gateway
# (e.g. DOTNET_gcServer=0 to compare GC settings); OUT overrides the results file; LABEL is written under its title.
# Needs wrk, hey, h2load and nginx (apt-get install -y wrk hey nghttp2-client nginx-light). Writes benchmarks/results/<date>-load.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in wrk hey h2load nginx; do
  command -v "$tool" >/dev/null || { echo "run.sh needs $tool: apt-get install -y wrk hey nghttp2-client nginx-light" >&2; exit 1; }
done
duration=${1:-10}
warmup=${2:-60}
open_streams=${3:-5000}
stream_warmup=$(( warmup / 3 > 3 ? warmup / 3 : 3 ))
max_warmup=$(( warmup + 90 ))
work=$(mktemp -d /tmp/actorrelay-load.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

vendor=127.0.0.1:9101 proxy=127.0.0.1:9102 gateway=127.0.0.1:9103 gateway_on=127.0.0.1:9104 admin_key=ar-load-admin
first_token_ms=20 # streaming: the vendor's first event (and headers) after 20 ms, so first byte = first token
slow_token_ms=1000 # open streams: one token a second, so all of them stay open while they stream
dotnet build -c Release src/ActorRelay.Gateway -v q -nologo >/dev/null # builds the simulated vendor too

if [ -n "${UPSTREAM_URL:-}" ]; then
  upstream_base=${UPSTREAM_URL%/}/ upstream_key=${UPSTREAM_KEY:-} upstream_model=${UPSTREAM_MODEL:-gpt-4o-mini}
  upstream_origin=$(sed -E 's#^(https?://[^/]+).*#\1#' <<<"$upstream_base")
  upstream_path=${upstream_base#"$upstream_origin"}
  upstream_host=${upstream_origin#*://}
  [[ $upstream_host == *:* ]] || upstream_host+=$([[ $upstream_origin == https* ]] && echo :443 || echo :80)
  vendor_name="$upstream_base (UPSTREAM_URL)"
else
  upstream_base="http://$vendor/v1/" upstream_key="" upstream_model=sim-small
  upstream_origin="http://$vendor" upstream_path=/v1/ upstream_host=$vendor
  vendor_name="the standalone simulated vendor, 16-token answers"
  # The vendor: no delay unless a request asks for one (x-sim-* headers, sent by the load tool or the channel).
  SimulatedVendor__ResponseTokens=16 SimulatedVendor__FirstTokenDelayMs=0 SimulatedVendor__TokenDelayMs=0 \
    Logging__LogLevel__Default=Warning \
    dotnet src/ActorRelay.SimulatedVendor/bin/Release/net10.0/ActorRelay.SimulatedVendor.dll --urls "http://$vendor" >"$work/vendor.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 60); do curl -sf "http://$vendor/v1/models" >/dev/null 2>&1 && break; sleep 0.5; done
fi

cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 16384; }
http {
  access_log off;
  upstream vendor { server $upstream_host; keepalive 256; }
  server {
    listen $proxy;
    location / {
      proxy_pass ${upstream_origin%%://*}://vendor;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host ${upstream_host%:*};
      proxy_ssl_server_name on;
      proxy_ssl_name ${upstream_host%:*};
      proxy_buffering off;
    }
  }
}
NGINX
nginx -p "$work" -c "$work/nginx.conf"

# One channel per vendor behaviour; the x-sim-* headers are the simulated vendor's, another upstream ignores them.
channel() { # $1 id, then x-sim header assignments
  local id=$1; shift
  printf '%s\n' "ActorRelay__Channels__${id}__Type=OpenAICompatible" "ActorRelay__Channels__${id}__BaseUrl=$upstream_base" \
    "ActorRelay__Channels__${id}__MaxConcurrency=100000" \
    "ActorRelay__Models__${id}__Channel=$id" "ActorRelay__Models__${id}__VendorModel=$upstream_model"
  [ -n "$upstream_key" ] && printf '%s\n' "ActorRelay__Channels__${id}__ApiKey=$upstream_key"
  for header in "$@"; do printf '%s\n' "ActorRelay__Channels__${id}__Headers__$header"; done
}

start_gateway() { # $1 = on (keys + budgets + ledger, listening on $gateway_on) | off (on $gateway)
  local switch=false address=$gateway
  [ "$1" = on ] && switch=true address=$gateway_on
  mapfile -t channels < <(channel bench; channel bench50 x-sim-first-token-delay-ms=50
    channel bench-stream "x-sim-first-token-delay-ms=$first_token_ms"
    channel bench-slow x-sim-tokens=100000 "x-sim-token-delay-ms=$slow_token_ms")
  # shellcheck disable=SC2086 # GATEWAY_ENV is a list of assignments
  # MALLOC_ARENA_MAX=2 as the gateway's image sets it (cluster-config/docker/Dockerfile); GATEWAY_ENV can override it.
  env MALLOC_ARENA_MAX=2 ${GATEWAY_ENV:-} "Urls=http://$address" Logging__LogLevel__Default=Warning ActorRelay__Akka__Remote__Port=0 \
    "ActorRelay__Akka__Journal__ConnectionString=Data Source=$work/journal-$1.db" \
    "ActorRelay__Access__RequireKeys=$switch" "ActorRelay__Ledger__Enabled=$switch" "ActorRelay__Access__AdminKey=$admin_key" \
    ActorRelay__Access__Demo__Enabled=true ActorRelay__Access__Demo__TenantId=demo ActorRelay__Access__Demo__Key=sk-ar-load \
    ActorRelay__RateLimits__DefaultKey__RequestsPerMinute=100000000 \
    "ActorRelay__Prices__Models__${upstream_model}__InputPerMillion=0.15" "ActorRelay__Prices__Models__${upstream_model}__OutputPerMillion=0.6" \
    "${channels[@]}" \
    dotnet src/ActorRelay.Gateway/bin/Release/net10.0/ActorRelay.Gateway.dll --contentRoot "$PWD/src/ActorRelay.Gateway" >"$work/gateway-$1.log" 2>&1 &
  gateway_pid=$!
  pids+=($gateway_pid)
  for _ in $(seq 1 120); do
    if curl -sf "http://$address/readyz" >/dev/null 2>&1 && curl -sf -H "Authorization: Bearer sk-ar-load" "http://$address/v1/models" >/dev/null 2>&1; then
      [ "$1" = on ] && curl -sf -X PUT "http://$address/admin/tenants/demo/budget" -H "Authorization: Bearer $admin_key" \
        -H 'content-type: application/json' -d '{"limit":1000000000,"period":"monthly","mode":"hard"}' >/dev/null
      scraper "$address" "$gateway_pid" &
      pids+=($!)
      return 0
    fi
    sleep 0.5
  done
  echo "gateway did not start" >&2; cat "$work/gateway-$1.log" >&2; exit 1
}

scraper() { # $1 address, $2 pid: reads /metrics now and every 15 s while the gateway runs, as a Prometheus server would
  # (prometheus-net starts listening to .NET's meters and event sources at the first scrape, so an unscraped gateway
  # would be measured without what that costs in production).
  while kill -0 "$2" 2>/dev/null; do
    curl -sf "http://$1/metrics" >/dev/null 2>&1 || true
    sleep 15
  done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status_mb() { awk -v key="$2:" '$1 == key {printf "%.0f", $2 / 1024}' "/proc/$1/status"; } # $1 pid, $2 VmHWM (peak RSS) | VmRSS
rss_sampler() { # $1 pid, $2 file: keeps the highest VmRSS (MB) seen, sampled every 0.2 s, until killed
  local max=0 now
  while now=$(status_mb "$1" VmRSS 2>/dev/null) && [ -n "$now" ]; do
    [ "$now" -gt "$max" ] && max=$now && echo "$max" >"$2"
    sleep 0.2
  done
}
calc() { awk "BEGIN {printf \"$1\", $2}"; }
verdict() { awk "BEGIN {print ($1) ? \"pass\" : \"fail\"}"; }
field() { sed -E "s/.*[ ]$1=([0-9.na-]+).*/\1/" <<<"$2"; } # $1 name, $2 RESULT line

body() { # $1 = model, $2 = stream
  printf '{"model":"%s","stream":%s,"max_tokens":16,"messages":[{"role":"user","content":"benchmark me please"}]}' "$1" "$2" >"$work/body-$1-$2.json"
  echo "$work/body-$1-$2.json"
}

load() { # $1 url, $2 model, $3 stream, $4 connections, $5 seconds, $6 sim first-token delay header value, $7 auth
  local file
  file=$(body "$2" "$3")
  if [ "$3" = true ]; then
    local args=(-z "${5}s" -c "$4" -m POST -T application/json -D "$file" -o csv)
    [ -n "$6" ] && args+=(-H "x-sim-first-token-delay-ms: $6")
    [ -n "$7" ] && args+=(-H "Authorization: Bearer $7")
    hey "${args[@]}" "$1" | python3 benchmarks/load/stream-latency.py "$5"
  else
    BODY_FILE=$file AUTH="$7" SIM_DELAY_MS="$6" wrk -t2 -c"$4" -d"${5}s" --latency -s benchmarks/load/post.lua "$1" | grep RESULT
  fi
}

steady_after=1 # seconds: the start of an h2load run whose calls "steady" leaves out (every connection's first call)
load_h2() { # $1 url, $2 model, $3 connections, $4 seconds, $5 sim first-token delay header value, $6 auth: the non-stream
  # load with h2load, whose per-call log gives the whole run's percentiles and those of its steady part (h2load-latency.py)
  local args=(--h1 -t2 -c"$3" -m1 -D"$4" -d "$(body "$2" false)" -H 'content-type: application/json' --log-file="$work/h2load.log")
  [ -n "$5" ] && args+=(-H "x-sim-first-token-delay-ms: $5")
  [ -n "$6" ] && args+=(-H "authorization: Bearer $6")
  rm -f "$work/h2load.log"
  h2load "${args[@]}" "$1" >/dev/null
  python3 benchmarks/load/h2load-latency.py "$work/h2load.log" "$4" "$steady_after"
}

results=() # scenario|target|connections|RESULT line|gateway CPU s per 1,000 requests|gateway peak RSS MB|gateway RSS MB during
run() { # $1 scenario, $2 target, then load's arguments without the seconds
  local scenario=$1 target=$2 url=$3 model=$4 stream=$5 conns=$6 delay=$7 auth=$8 before="" line cpu="" rss="" during="" sampler=""
  if [ "${target#gateway}" != "$target" ]; then
    before=$(cpu_ticks "$gateway_pid")
    rm -f "$work/rss-during"
    rss_sampler "$gateway_pid" "$work/rss-during" &
    sampler=$!
  fi
  line=$(load "$url" "$model" "$stream" "$conns" "$duration" "$delay" "$auth")
  if [ -n "$before" ]; then
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    during=$(cat "$work/rss-during")
    cpu=$(awk -v t=$(($(cpu_ticks "$gateway_pid") - before)) -v r="$(field rps "$line")" -v d="$duration" -v hz="$(getconf CLK_TCK)" \
      'BEGIN {printf "%.3f", (r > 0 ? (t / hz) * 1000 / (r * d) : 0)}')
    rss=$(status_mb "$gateway_pid" VmHWM)
  fi
  results+=("$scenario|$target|$conns|$line|$cpu|$rss|$during")
  echo "$scenario | $target | c=$conns | $line | cpu_s_per_1000=$cpu | peak_rss_mb=$rss | rss_during_mb=$during" >&2
}

warmups=() # target|seconds of non-stream warm-up|req/s of its last two windows
warm() { # $1 target label, $2 base url, $3 model, $4 stream model, $5 stream first-token header, $6 auth
  # .NET tiers its hot code up (tier-0, instrumented, optimised) in the background; with the load on both cores that
  # takes the gateway 30-60 s here. So the non-stream load runs in 5 s windows for at least $warmup s, until two windows
  # in a row are within 5% of each other (at most $max_warmup s): each target is measured in its steady state.
  local spent=0 previous=0 current line
  while :; do
    line=$(load "$2/chat/completions" "$3" false 32 5 "" "$6")
    current=$(field rps "$line") spent=$((spent + 5))
    if [ "$spent" -ge "$warmup" ] && awk -v a="$previous" -v b="$current" 'BEGIN {exit !(a > 0 && b <= a * 1.05 && b >= a * 0.95)}'; then
      break
    fi
    [ "$spent" -ge "$max_warmup" ] && break
    previous=$current
  done
  warmups+=("$1|$spent|$previous → $current")
  echo "warmed up $1: ${spent} s non-stream (last windows $previous → $current req/s), then ${stream_warmup} s stream" >&2
  load "$2/chat/completions" "$4" true 32 "$stream_warmup" "$5" "$6" >/dev/null
}

pair_plain=() pair_keys=() # req/s of the alternating windows
pair() { # the zero-delay load on both gateways in alternating 5 s windows, so that the machine's drift hits both alike
  local round side rps order
  local -A url=([plain]="http://$gateway/v1/chat/completions" [keys]="http://$gateway_on/v1/chat/completions") key=([plain]="" [keys]=sk-ar-load)
  for round in $(seq 0 "$pair_rounds"); do # round 0 wakes both up again and is not counted
    order="plain keys"
    [ $((round % 2)) = 0 ] && order="keys plain"
    for side in $order; do
      rps=$(field rps "$(load "${url[$side]}" bench false 32 5 "" "${key[$side]}")")
      [ "$round" -eq 0 ] && continue
      if [ "$side" = plain ]; then pair_plain+=("$rps"); else pair_keys+=("$rps"); fi
    done
  done
  echo "alternating windows, plain: ${pair_plain[*]}; keys + budgets + ledger: ${pair_keys[*]}" >&2
}
median() { # $1 printf format, then the values
  local format=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v f="$format" '{v[NR] = $1} END {printf f, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
pair_rounds=8

target_args() { # $1 target: sets base, m (zero delay), m50 (50 ms), ms (stream) and the delay headers d50 / ds, auth
  case $1 in
    direct) base=${upstream_base%/} m=$upstream_model m50=$upstream_model ms=$upstream_model d50=50 ds=$first_token_ms auth=$upstream_key ;;
    nginx) base="http://$proxy${upstream_path%/}" m=$upstream_model m50=$upstream_model ms=$upstream_model d50=50 ds=$first_token_ms auth=$upstream_key ;;
    gateway) base="http://$gateway/v1" m=bench m50=bench50 ms=bench-stream d50="" ds="" auth="" ;;
  esac
}

lat_rounds=5
lat_rounds_added=() # round|via|50 ms added p50|added p99 (steady)|stream added TTFT p50|added TTFT p99|50 ms added p50|p99 (whole run)
lat_round() { # $1 round: the 50 ms load (6 s, of which the last 5 s steady) and the stream load (5 s) on direct, nginx
  # and the gateway, in a rotating order
  local order=(direct nginx gateway) i target line
  declare -A p50 p99 w50 w99 t50 t99
  for i in 0 1 2; do
    target=${order[$(( (i + $1) % 3 ))]}
    target_args "$target"
    line=$(load_h2 "$base/chat/completions" "$m50" 64 $((5 + steady_after)) "$d50" "$auth")
    p50[$target]=$(field steady_p50 "$line") p99[$target]=$(field steady_p99 "$line") w50[$target]=$(field p50 "$line") w99[$target]=$(field p99 "$line")
    line=$(load "$base/chat/completions" "$ms" true 32 5 "$ds" "$auth")
    t50[$target]=$(field ttft_p50 "$line") t99[$target]=$(field ttft_p99 "$line")
  done
  for target in nginx gateway; do
    lat_rounds_added+=("$1|$target|$(calc %.2f "${p50[$target]} - ${p50[direct]}")|$(calc %.2f "${p99[$target]} - ${p99[direct]}")|$(calc %.2f "${t50[$target]} - ${t50[direct]}")|$(calc %.2f "${t99[$target]} - ${t99[direct]}")|$(calc %.2f "${w50[$target]} - ${w50[direct]}")|$(calc %.2f "${w99[$target]} - ${w99[direct]}")")
  done
  echo "latency round $1: ${lat_rounds_added[*]: -2}" >&2
}
lat_median() { # $1 via, $2 column (3 = 50 ms added p50, 4 = p99, both steady; 5 = added TTFT p50, 6 = p99; 7 = 50 ms added p50, 8 = p99, whole runs): the median over the rounds
  local values=() r
  for r in "${lat_rounds_added[@]}"; do [ "$(cut -d'|' -f2 <<<"$r")" = "$1" ] && values+=("$(cut -d'|' -f"$2" <<<"$r")"); done
  median %.2f "${values[@]}"
}

ns0="non-stream, 0 ms vendor delay" ns50="non-stream, 50 ms vendor delay" st="stream, ${first_token_ms} ms first token"
started=$(date +%s)
start_gateway off
plain_pid=$gateway_pid
for target in direct nginx gateway; do
  target_args "$target"
  warm "$target" "$base" "$m" "$ms" "$ds" "$auth"
  run "$ns0" "$target" "$base/chat/completions" "$m" false 32 "" "$auth"
  run "$ns50" "$target" "$base/chat/completions" "$m50" false 64 "$d50" "$auth"
  run "$st" "$target" "$base/chat/completions" "$ms" true 32 "$ds" "$auth"
done
# The latency targets are differences between targets measured minutes apart above; the same loads in short windows
# that take turns measure those differences again, each against the direct window of its own round.
for round in $(seq 1 "$lat_rounds"); do lat_round "$round"; done
plain_peak_rss=$(status_mb "$gateway_pid" VmHWM)

# The plain gateway stays up, idle, while the one with keys + budgets + ledger is measured, then both take turns.
start_gateway on
warm "gateway, keys + budgets + ledger" "http://$gateway_on/v1" bench bench-stream "" sk-ar-load
run "$ns0" "gateway, keys + budgets + ledger" "http://$gateway_on/v1/chat/completions" bench false 32 "" sk-ar-load
keys_peak_rss=$(status_mb "$gateway_pid" VmHWM)
pair
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
gateway_pid=$plain_pid

open_result=""
if [ "$open_streams" -gt 0 ]; then
  echo "opening $open_streams streams (one token every $slow_token_ms ms, clients reading)" >&2
  open_result=$(python3 benchmarks/load/slow-consumers.py --keep-reading "$gateway_pid" "${gateway%:*}" "${gateway#*:}" bench-slow "$open_streams" 20)
  echo "$open_result" >&2
fi
elapsed=$(( $(date +%s) - started ))

# --- report ---
lookup() { # $1 scenario, $2 target, $3 field -> value from the RESULT line or the cpu / rss / during columns
  local r name target conns line cpu rss during
  for r in "${results[@]}"; do
    IFS='|' read -r name target conns line cpu rss during <<<"$r"
    [ "$name" = "$1" ] && [ "$target" = "$2" ] || continue
    case $3 in cpu) echo "$cpu" ;; rss) echo "$rss" ;; during) echo "$during" ;; *) field "$3" "$line" ;; esac
    return
  done
}
added() { calc %.2f "$(lookup "$1" "$2" "$3") - $(lookup "$1" direct "$3")"; } # $1 scenario, $2 via, $3 field: via minus direct

g0=$(lookup "$ns0" gateway rps) n0=$(lookup "$ns0" nginx rps)
pair_g0=$(median %.1f "${pair_plain[@]}") pair_on0=$(median %.1f "${pair_keys[@]}")
# The latency targets: medians over the rounds of alternating windows, each round's target minus its direct window.
add50_p50=$(lat_median gateway 3) add50_p99=$(lat_median gateway 4) ttft_p50=$(lat_median gateway 5) ttft_p99=$(lat_median gateway 6)
# nginx's own additions in the same rounds: the floor of one more proxy hop on this machine, for reading the latency targets.
nginx50_p50=$(lat_median nginx 3) nginx50_p99=$(lat_median nginx 4) nginx_ttft_p50=$(lat_median nginx 5) nginx_ttft_p99=$(lat_median nginx 6)
body_added=$(calc %.2f "($(lookup "$st" gateway p50) - $(lookup "$st" gateway ttft_p50)) - ($(lookup "$st" direct p50) - $(lookup "$st" direct ttft_p50))")
cpu0=$(lookup "$ns0" gateway cpu)
# RSS under the non-stream load: the highest RSS sampled while it ran, on either gateway.
rss0=$(lookup "$ns0" gateway during) rss50=$(lookup "$ns50" gateway during) rss_on=$(lookup "$ns0" "gateway, keys + budgets + ledger" during)
ns_rss=$(printf '%s\n' "$rss0" "$rss50" "$rss_on" | sort -n | tail -1)
open_rss="" open_per=""
if [ -n "$open_result" ]; then
  open_rss=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["peak_rss_mb"])' "$open_result")
  open_per=$(python3 -c 'import json,sys; r = json.loads(sys.argv[1]); print("%s (%s of %s started, RSS %s before)" % (r["mb_per_stream"], r["started"], r["streams"], r["baseline_rss_mb"]))' "$open_result")
fi

out=${OUT:-benchmarks/results/$(date -u +%Y-%m-%d)-load.md}
{
  echo "# Load benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  [ -n "${LABEL:-}" ] && { echo "**$LABEL**"; echo; }
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem/ {print $2}') GiB;"
  echo "the load tools (wrk -t2, hey, h2load -t2), the vendor, nginx (1 worker) and the gateway (Release) share these cores, and the machine"
  echo "load average at the start was $(cut -d' ' -f1-3 /proc/loadavg). Vendor: $vendor_name."
  echo "Command: \`benchmarks/load/run.sh $duration $warmup $open_streams\`: every target is warmed up first (the non-stream"
  echo "load in 5 s windows for at least ${warmup} s until two windows in a row agree within 5%, at most ${max_warmup} s; then"
  echo "${stream_warmup} s of the stream load), then each scenario runs ${duration} s; whole run ${elapsed} s."
  echo "Warm-up per target (non-stream seconds, req/s of the last two windows):"
  for w in "${warmups[@]}"; do IFS='|' read -r name secs rates <<<"$w"; echo "${name}: ${secs} s (${rates});"; done
  echo "The gateway runs once without keys, budgets and ledger (\`ActorRelay__Access__RequireKeys=false\`, \`ActorRelay__Ledger__Enabled=false\`)"
  echo "and once with them (demo key, a hard monthly budget on its tenant, a per-key rate limit, the SQLite ledger)."
  [ -n "${GATEWAY_ENV:-}" ] && echo "Gateway environment added: \`${GATEWAY_ENV}\`."
  echo
  echo "## Against the performance issue's targets"
  echo
  echo "Each latency row also gives what nginx, a plain reverse proxy, added in the same run: the cost of one more hop"
  echo "on this machine, the floor the gateway is measured against. The added latencies are medians over $lat_rounds rounds in"
  echo "which direct, nginx and the gateway take the 50 ms and the stream load in turns (the order rotating), each round's"
  echo "figures minus its own direct window (\"Latency rounds\", below); the single 10 s scenarios, measured minutes apart,"
  echo "are in \"Added latency\". The 50 ms load runs $((5 + steady_after)) s with h2load, which logs every call: its 64 connections open at"
  echo "once and send their first calls in the same instant, which queue behind each other, so the targets take the calls"
  echo "started after the first ${steady_after} s (steady: 64 open connections), and the whole runs are shown beside them."
  echo
  echo "| target | measured | result |"
  echo "|---|---|---|"
  echo "| zero-delay throughput ≥ 50% of nginx | $g0 vs $n0 req/s ($(calc %.0f "100 * $g0 / $n0")%) | $(verdict "$g0 >= 0.5 * $n0") |"
  echo "| 50 ms vendor delay, 64 open connections, added latency p50 ≤ 0.5 ms | $add50_p50 ms (nginx: $nginx50_p50 ms) | $(verdict "$add50_p50 <= 0.5") |"
  echo "| 50 ms vendor delay, 64 open connections, added latency p99 ≤ 2 ms | $add50_p99 ms (nginx: $nginx50_p99 ms) | $(verdict "$add50_p99 <= 2") |"
  echo "| (not a target) 50 ms vendor delay, the whole runs, every connection's first call included: added p50 / p99 | $(lat_median gateway 7) / $(lat_median gateway 8) ms (nginx: $(lat_median nginx 7) / $(lat_median nginx 8) ms) | |"
  echo "| streaming, added TTFT p50 ≤ 1 ms | $ttft_p50 ms (nginx: $nginx_ttft_p50 ms) | $(verdict "$ttft_p50 <= 1") |"
  echo "| streaming, added TTFT p99 ≤ 3 ms | $ttft_p99 ms (nginx: $nginx_ttft_p99 ms) | $(verdict "$ttft_p99 <= 3") |"
  echo "| streaming, no delay per chunk: added (whole − TTFT) p50 ≤ 1 ms over a 16-token stream | $body_added ms | $(verdict "$body_added <= 1") |"
  echo "| gateway CPU per non-stream request ≤ 0.15 ms (s per 1,000) | $cpu0 | $(verdict "$cpu0 <= 0.15") |"
  echo "| RSS under the non-stream load ≤ 250 MB (highest RSS sampled during the non-stream scenarios, either gateway) | $ns_rss MB (plain $rss0 / $rss50 MB at 0 / 50 ms, keys + budgets + ledger $rss_on MB) | $(verdict "$ns_rss <= 250") |"
  echo "| (not a target) the processes' high-water marks, warm-ups and streams included | plain $plain_peak_rss MB, keys + budgets + ledger $keys_peak_rss MB | |"
  if [ -n "$open_result" ]; then
    echo "| $open_streams open streams < 1 GiB | $open_rss MB | $(verdict "$open_rss < 1024") |"
  fi
  echo "| keys + budgets + ledger ≥ 80% of the same run without (medians of $pair_rounds alternating 5 s windows each, below) | $pair_on0 vs $pair_g0 req/s ($(calc %.0f "100 * $pair_on0 / $pair_g0")%) | $(verdict "$pair_on0 >= 0.8 * $pair_g0") |"
  echo
  echo "## Throughput and latency"
  echo
  echo "Latency in ms (wrk for non-stream; hey per-request times for streams: TTFT is the time to the first response byte,"
  echo "which is the vendor's first event; p50/p90/p99 of a stream are whole-stream times). CPU and peak RSS are the gateway"
  echo "process's (from /proc; RSS during is the highest RSS sampled every 0.2 s while the scenario ran, peak RSS the"
  echo "process's high-water mark so far, its warm-up and earlier scenarios included)."
  echo
  echo "| scenario | target | conns | req/s | p50 | p90 | p99 | TTFT p50 | TTFT p99 | errors | gateway CPU s / 1,000 req | gateway RSS MB during | gateway peak RSS MB |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for r in "${results[@]}"; do
    IFS='|' read -r name target conns line cpu rss during <<<"$r"
    ttft50="" ttft99=""
    [[ $line == *ttft_p50* ]] && ttft50=$(field ttft_p50 "$line") ttft99=$(field ttft_p99 "$line")
    echo "| $name | $target | $conns | $(field rps "$line") | $(field p50 "$line") | $(field p90 "$line") | $(field p99 "$line") | $ttft50 | $ttft99 | $(field errors "$line") | $cpu | $during | $rss |"
  done
  echo
  echo "## Keys + budgets + ledger against the plain gateway"
  echo
  echo "After the scenarios above both gateways run side by side, idle in turn, and take the zero-delay load (32 connections)"
  echo "in alternating 5 s windows (the order swapped every round, one unrecorded round first), so that the drift of this"
  echo "shared machine between two measurements hits both alike. req/s per window:"
  echo
  echo "| window | $(seq -s ' | ' 1 "$pair_rounds") | median |"
  echo "|---|$(printf -- '---|%.0s' $(seq 1 "$pair_rounds"))---|"
  echo "| plain | $(IFS='|'; echo "${pair_plain[*]}" | sed 's/|/ | /g') | $pair_g0 |"
  echo "| keys + budgets + ledger | $(IFS='|'; echo "${pair_keys[*]}" | sed 's/|/ | /g') | $pair_on0 |"
  echo
  echo "## Latency rounds (minus the same round's direct window; differences of percentiles, ms)"
  echo
  echo "| round | via | 50 ms added p50, steady | 50 ms added p99, steady | stream added TTFT p50 | stream added TTFT p99 | 50 ms added p50, whole run | 50 ms added p99, whole run |"
  echo "|---|---|---|---|---|---|---|---|"
  for r in "${lat_rounds_added[@]}"; do echo "| ${r//|/ | } |"; done
  echo
  echo "## Added latency (single 10 s scenarios above minus direct; differences of percentiles)"
  echo
  echo "| scenario | via | added p50 | added p99 | added TTFT p50 | added TTFT p99 |"
  echo "|---|---|---|---|---|---|"
  for scenario in "$ns0" "$ns50" "$st"; do
    for via in nginx gateway; do
      row="| $scenario | $via | $(added "$scenario" "$via" p50) | $(added "$scenario" "$via" p99)"
      if [ "$scenario" = "$st" ]; then
        row+=" | $(added "$st" "$via" ttft_p50) | $(added "$st" "$via" ttft_p99) |"
      else
        row+=" | | |"
      fi
      echo "$row"
    done
  done
  if [ -n "$open_result" ]; then
    echo
    echo "## $open_streams open streams"
    echo
    echo "\`slow-consumers.py --keep-reading\`: $open_streams streaming requests through the gateway at once, the vendor sending one"
    echo "token every $slow_token_ms ms, every client reading; RSS sampled for 20 s once all had their first bytes (after the"
    echo "throughput scenarios, same gateway process). MB per stream = (peak − before) / streams: $open_per."
    echo
    echo '```json'
    echo "$open_result"
    echo '```'
  fi
} >"$out"
echo "wrote $out" >&2
cat "$out"
