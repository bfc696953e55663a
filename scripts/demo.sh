#!/usr/bin/env bash
# `make demo`: the whole stack on one machine. The marketplace with synthetic traffic and its
# exporter, the SLO engine, Prometheus (scraping all of them, loading alerts/*.rules.yml) and
# Alertmanager (routing to the engine's webhook). Ctrl-C or SIGTERM stops everything.
# Data and logs live under $FTW_HOME (default .ftw/).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${VENV:-.venv}/bin
FTW_HOME=${FTW_HOME:-.ftw}
MARKETPLACE_PORT=${MARKETPLACE_PORT:-8000}
EXPORTER_PORT=${EXPORTER_PORT:-9464}
ENGINE_PORT=${ENGINE_PORT:-8080}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${ALERTMANAGER_PORT:-9093}
RATE=${DEMO_RATE:-20}
DURATION=${DEMO_DURATION:-86400}
INTERVAL=${DEMO_INTERVAL:-5}
UPDATES=${DEMO_UPDATES:-0}
EVAL_INTERVAL=${DEMO_EVAL_INTERVAL:-15}
READY_TIMEOUT=${DEMO_READY_TIMEOUT:-90}

URL="http://127.0.0.1:${MARKETPLACE_PORT}"
ENGINE_URL="http://127.0.0.1:${ENGINE_PORT}"
PROMETHEUS_URL="http://127.0.0.1:${PROMETHEUS_PORT}"
ALERTMANAGER_URL="http://127.0.0.1:${ALERTMANAGER_PORT}"
EXPORTER_URL="http://127.0.0.1:${EXPORTER_PORT}"

PROMETHEUS_BIN=$(command -v prometheus || true)
ALERTMANAGER_BIN=$(command -v prometheus-alertmanager alertmanager | head -n 1 || true)
if [ -z "$PROMETHEUS_BIN" ] || [ -z "$ALERTMANAGER_BIN" ]; then
  echo "demo: prometheus and prometheus-alertmanager are needed; run \`make setup\`" >&2
  exit 1
fi

for port_var in MARKETPLACE_PORT EXPORTER_PORT ENGINE_PORT PROMETHEUS_PORT ALERTMANAGER_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/${!port_var}") 2>/dev/null; then
    echo "demo: port ${!port_var} is already in use; set ${port_var} to a free port" >&2
    exit 1
  fi
done

mkdir -p "$FTW_HOME/logs"
FTW_HOME=$(cd "$FTW_HOME" && pwd)
LOGS=$FTW_HOME/logs
export DATABASE_URL=${DATABASE_URL:-sqlite:///${FTW_HOME}/marketplace.db}
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-${FTW_HOME}/prometheus-multiproc}

pids=()
names=()
cleanup() {
  local status=$? pid i deadline
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 20))
  for i in "${!pids[@]}"; do
    while kill -0 "${pids[$i]}" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "demo: ${names[$i]} did not stop; killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM

# start NAME COMMAND...: run COMMAND in the background, logging to $LOGS/NAME.log.
start() {
  local name=$1
  shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# wait_until NAME PYTHON-CHECK: poll the check until it exits 0; fail, with NAME's log, if NAME
# exits or the deadline passes.
wait_until() {
  local name=$1 check=$2 deadline=$((SECONDS + READY_TIMEOUT)) i pid=""
  for i in "${!names[@]}"; do [ "${names[$i]}" = "$name" ] && pid=${pids[$i]}; done
  until "$BIN/python" -c "$check" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "demo: ${name} did not become ready within ${READY_TIMEOUT} s; its log:" >&2
      tail -n 30 "$LOGS/$name.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}
ok() { echo "import httpx,sys; sys.exit(httpx.get('$1', timeout=2).status_code != 200)"; }

echo "demo: database ${DATABASE_URL%%\?*}${REDIS_URL:+, Redis ${REDIS_URL}}"
start marketplace "$BIN/ftw-marketplace" serve --port "$MARKETPLACE_PORT" --workers 2
wait_until marketplace "$(ok "${URL}/readyz")"

operator_key=$("$BIN/ftw-marketplace" seed --json | "$BIN/python" -c 'import json,sys; print(json.load(sys.stdin)["operator"]["api_key"])')
(umask 077 && printf '%s\n' "$operator_key" >"$FTW_HOME/operator.key")
FTW_DATA_DIR=$FTW_HOME start exporter "$BIN/ftw-exporter" --port "$EXPORTER_PORT"
FTW_OPERATOR_KEY=$operator_key start loadgen "$BIN/ftw-loadgen" run --url "$URL" --rate "$RATE" \
  --duration "$DURATION" --progress-interval 0

# The engine, with the bearer token Alertmanager presents on its webhook.
token_file=$FTW_HOME/webhook-token
(umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$token_file")
chmod 600 "$token_file"
# The engine shares the marketplace's Postgres database (its tables are prefixed), else SQLite.
engine_db=sqlite:///${FTW_HOME}/observe.db
[[ $DATABASE_URL == postgres* ]] && engine_db=$DATABASE_URL
env -u PROMETHEUS_MULTIPROC_DIR \
  FTW_OBSERVE_DATABASE_URL="${FTW_OBSERVE_DATABASE_URL:-$engine_db}" \
  PROMETHEUS_URL="$PROMETHEUS_URL" \
  FTW_EVALUATION_INTERVAL_SECONDS="$EVAL_INTERVAL" \
  FTW_WEBHOOK_TOKEN="$(cat "$token_file")" \
  FTW_STATUS_PAGE_URL="${FTW_STATUS_PAGE_URL:-${ENGINE_URL}}" \
  "$BIN/ftw-observe" serve --port "$ENGINE_PORT" >"$LOGS/engine.log" 2>&1 &
pids+=($!)
names+=(engine)

# Prometheus and Alertmanager configs for this FTW_HOME and these ports.
ROOT=$ROOT FTW_HOME=$FTW_HOME MARKETPLACE_PORT=$MARKETPLACE_PORT EXPORTER_PORT=$EXPORTER_PORT \
  ENGINE_PORT=$ENGINE_PORT PROMETHEUS_PORT=$PROMETHEUS_PORT ALERTMANAGER_PORT=$ALERTMANAGER_PORT \
  "$BIN/python" - <<'PY'
import os
from pathlib import Path

import yaml

env = os.environ
root, home = Path(env["ROOT"]), Path(env["FTW_HOME"])


def job(name: str, port: str) -> dict[str, object]:
    return {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}


prometheus = {
    "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
    "rule_files": [str(path) for path in sorted((root / "alerts").glob("*.rules.yml"))],
    "alerting": {
        "alertmanagers": [
            {"static_configs": [{"targets": [f"127.0.0.1:{env['ALERTMANAGER_PORT']}"]}]}
        ]
    },
    "scrape_configs": [
        job("marketplace", env["MARKETPLACE_PORT"]),
        job("ftw-exporter", env["EXPORTER_PORT"]),
        job("ftw-observe", env["ENGINE_PORT"]),
        job("prometheus", env["PROMETHEUS_PORT"]),
    ],
}
(home / "prometheus.yml").write_text(
    "# Written by scripts/demo.sh for this run.\n" + yaml.safe_dump(prometheus, sort_keys=False)
)

alertmanager = yaml.safe_load((root / "alerts" / "alertmanager.yml").read_text())
webhook = f"http://127.0.0.1:{env['ENGINE_PORT']}/api/webhooks/alertmanager"
for receiver in alertmanager.get("receivers", []):
    for config in receiver.get("webhook_configs", []):
        config["url"] = webhook
        authorization = config.get("http_config", {}).get("authorization")
        if authorization is not None:
            authorization["credentials_file"] = str(home / "webhook-token")
(home / "alertmanager.yml").write_text(
    "# Rendered by scripts/demo.sh from alerts/alertmanager.yml for this run.\n"
    + yaml.safe_dump(alertmanager, sort_keys=False)
)
PY

start prometheus "$PROMETHEUS_BIN" \
  --config.file="$FTW_HOME/prometheus.yml" \
  --storage.tsdb.path="$FTW_HOME/prometheus" \
  --storage.tsdb.retention.time=7d \
  --web.listen-address="127.0.0.1:${PROMETHEUS_PORT}"
start alertmanager "$ALERTMANAGER_BIN" \
  --config.file="$FTW_HOME/alertmanager.yml" \
  --storage.path="$FTW_HOME/alertmanager" \
  --web.listen-address="127.0.0.1:${ALERTMANAGER_PORT}" \
  --cluster.listen-address=

wait_until engine "$(ok "${ENGINE_URL}/readyz")"
wait_until alertmanager "$(ok "${ALERTMANAGER_URL}/-/ready")"
wait_until prometheus "$(ok "${PROMETHEUS_URL}/-/ready")"
echo "demo: waiting for Prometheus to scrape every target"
targets_up="
import httpx, sys
targets = httpx.get('${PROMETHEUS_URL}/api/v1/targets', timeout=2).json()['data']['activeTargets']
down = [t['labels']['job'] for t in targets if t['health'] != 'up']
if len(targets) < 4 or down:
    sys.exit(1)
print(f'demo: all {len(targets)} scrape targets up')
"
if ! (READY_TIMEOUT=${DEMO_TARGETS_TIMEOUT:-60} wait_until prometheus "$targets_up"); then
  echo "demo: Prometheus does not see every target up; its targets (see ${PROMETHEUS_URL}/targets):" >&2
  "$BIN/python" -c "
import httpx
for t in httpx.get('${PROMETHEUS_URL}/api/v1/targets', timeout=5).json()['data']['activeTargets']:
    print(f\"  {t['labels']['job']:<14} {t['scrapeUrl']:<40} {t['health']} {t['lastError']}\")
" >&2 || true
  exit 1
fi

cat <<MSG
demo: the whole stack is up; the load generator sends ${RATE} requests/s.
  status page       ${ENGINE_URL}/
  engine API docs   ${ENGINE_URL}/docs
  Prometheus        ${PROMETHEUS_URL}/   (alerts: ${PROMETHEUS_URL}/alerts)
  Alertmanager      ${ALERTMANAGER_URL}/
  marketplace docs  ${URL}/docs
  exporter metrics  ${EXPORTER_URL}/metrics   (business, Postgres, Redis, host)
  logs              ${LOGS}/
Try an outage drill and watch the status page, or \`${BIN}/ftw-observe status --url ${ENGINE_URL}\`:
  export FTW_OPERATOR_KEY=\$(cat ${FTW_HOME}/operator.key)
  ${BIN}/ftw-loadgen fault set --url ${URL} --route /api/jobs --error-ratio 1
  ${BIN}/ftw-loadgen fault clear --url ${URL}
Where would a page go:
  ${BIN}/ftw-observe alerts routes service=marketplace severity=page tier=page-1h
Without SLACK_BOT_TOKEN / PAGERDUTY_ROUTING_KEY the receivers only log what they would send,
in ${LOGS}/engine.log.
Live figures every ${INTERVAL} s; Ctrl-C stops everything.
MSG
# In the background, so that a SIGTERM or Ctrl-C interrupts `wait` and the trap runs at once.
start_watch() {
  "$BIN/ftw-marketplace" watch --url "$URL" --interval "$INTERVAL" --count "$UPDATES" &
  pids+=($!)
  names+=(watch)
}
start_watch
wait "${pids[-1]}"
