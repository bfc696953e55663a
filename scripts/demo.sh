#!/usr/bin/env bash
# `make demo`: the marketplace with synthetic traffic, and its live RED metrics.
# Ctrl-C stops everything. Data and logs live under $FTW_HOME (default .ftw/).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${VENV:-.venv}/bin
FTW_HOME=${FTW_HOME:-.ftw}
PORT=${MARKETPLACE_PORT:-8000}
EXPORTER_PORT=${EXPORTER_PORT:-9464}
RATE=${DEMO_RATE:-20}
DURATION=${DEMO_DURATION:-86400}
INTERVAL=${DEMO_INTERVAL:-5}
UPDATES=${DEMO_UPDATES:-0}
URL="http://127.0.0.1:${PORT}"

mkdir -p "$FTW_HOME/logs"
export DATABASE_URL=${DATABASE_URL:-sqlite:///${FTW_HOME}/marketplace.db}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${FTW_HOME}/prometheus-multiproc}

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

for port_var in PORT EXPORTER_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${!port_var}") 2>/dev/null; then
    name=$([ "$port_var" = PORT ] && echo MARKETPLACE_PORT || echo EXPORTER_PORT)
    echo "demo: port ${!port_var} is already in use; set ${name} to a free port" >&2
    exit 1
  fi
done

echo "demo: database ${DATABASE_URL%%\?*}${REDIS_URL:+, Redis ${REDIS_URL}}"
"$BIN/ftw-marketplace" serve --port "$PORT" --workers 2 >"$FTW_HOME/logs/marketplace.log" 2>&1 &
pids+=($!)

deadline=$((SECONDS + 60))
until "$BIN/python" -c "import httpx,sys; sys.exit(httpx.get('${URL}/readyz', timeout=2).status_code != 200)" 2>/dev/null; do
  if ! kill -0 "${pids[0]}" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
    echo "demo: the marketplace did not become ready; its log:" >&2
    tail -n 30 "$FTW_HOME/logs/marketplace.log" >&2
    exit 1
  fi
  sleep 0.5
done

operator_key=$("$BIN/ftw-marketplace" seed --json | "$BIN/python" -c 'import json,sys; print(json.load(sys.stdin)["operator"]["api_key"])')
FTW_DATA_DIR=$FTW_HOME "$BIN/ftw-exporter" --port "$EXPORTER_PORT" \
  >"$FTW_HOME/logs/exporter.log" 2>&1 &
pids+=($!)

(umask 077 && printf '%s\n' "$operator_key" >"$FTW_HOME/operator.key")
FTW_OPERATOR_KEY=$operator_key "$BIN/ftw-loadgen" run --url "$URL" --rate "$RATE" \
  --duration "$DURATION" --progress-interval 0 >"$FTW_HOME/logs/loadgen.log" 2>&1 &
pids+=($!)

cat <<MSG
demo: the marketplace is up and the load generator sends ${RATE} requests/s.
  API docs      ${URL}/docs
  metrics       ${URL}/metrics
  exporter      http://127.0.0.1:${EXPORTER_PORT}/metrics   (business, Postgres, Redis, host)
  readiness     ${URL}/readyz
  logs          ${FTW_HOME}/logs/
  try a drill   export FTW_OPERATOR_KEY=\$(cat ${FTW_HOME}/operator.key)
                ${BIN}/ftw-loadgen fault set --url ${URL} --route /api/jobs --error-ratio 0.5
                ${BIN}/ftw-loadgen fault clear --url ${URL}
Live figures every ${INTERVAL} s; Ctrl-C stops everything.
MSG
"$BIN/ftw-marketplace" watch --url "$URL" --interval "$INTERVAL" --count "$UPDATES"
