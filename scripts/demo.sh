#!/usr/bin/env bash
# `make demo`: the whole stack on one machine. The marketplace with synthetic traffic and its
# exporter, the SLO engine, Prometheus (scraping all of them, loading alerts/*.rules.yml) and
# Alertmanager (routing to the engine's webhook). Without SLACK_BOT_TOKEN or
# PAGERDUTY_ROUTING_KEY, local fake Slack and PagerDuty servers stand in for the missing ones.
# Ctrl-C or SIGTERM stops everything. Data and logs live under $FTW_HOME (default .ftw/);
# $FTW_HOME/demo.json describes the running stack for `ftw-observe demo --drill`.
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
FAKE_PAGERDUTY_PORT=${FAKE_PAGERDUTY_PORT:-8091}
FAKE_SLACK_PORT=${FAKE_SLACK_PORT:-8092}
RATE=${DEMO_RATE:-20}
DURATION=${DEMO_DURATION:-86400}
INTERVAL=${DEMO_INTERVAL:-5}
UPDATES=${DEMO_UPDATES:-0}
EVAL_INTERVAL=${DEMO_EVAL_INTERVAL:-15}
READY_TIMEOUT=${DEMO_READY_TIMEOUT:-90}
HISTORY_HOURS=${DEMO_HISTORY_HOURS:-36}

URL="http://127.0.0.1:${MARKETPLACE_PORT}"
ENGINE_URL="http://127.0.0.1:${ENGINE_PORT}"
PROMETHEUS_URL="http://127.0.0.1:${PROMETHEUS_PORT}"
ALERTMANAGER_URL="http://127.0.0.1:${ALERTMANAGER_PORT}"
EXPORTER_URL="http://127.0.0.1:${EXPORTER_PORT}"

PROMETHEUS_BIN=$(command -v prometheus || true)
PROMTOOL_BIN=$(command -v promtool || true)
ALERTMANAGER_BIN=$(command -v prometheus-alertmanager alertmanager | head -n 1 || true)
if [ -z "$PROMETHEUS_BIN" ] || [ -z "$ALERTMANAGER_BIN" ]; then
  echo "demo: prometheus and prometheus-alertmanager are needed; run \`make setup\`" >&2
  exit 1
fi

fakes=0
[ -n "${PAGERDUTY_ROUTING_KEY:-}" ] && [ -n "${SLACK_BOT_TOKEN:-}" ] || fakes=1
port_vars=(MARKETPLACE_PORT EXPORTER_PORT ENGINE_PORT PROMETHEUS_PORT ALERTMANAGER_PORT)
[ "$fakes" = 1 ] && port_vars+=(FAKE_PAGERDUTY_PORT FAKE_SLACK_PORT)
for port_var in "${port_vars[@]}"; do
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
  rm -f "$FTW_HOME/demo.json"
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

# Local fake receivers for whichever of Slack and PagerDuty has no credentials.
receiver_env=()
if [ "$fakes" = 1 ]; then
  rm -f "$FTW_HOME/receivers.json"
  start receivers "$BIN/ftw-observe" demo receivers --pagerduty-port "$FAKE_PAGERDUTY_PORT" \
    --slack-port "$FAKE_SLACK_PORT" --ready-file "$FTW_HOME/receivers.json"
  wait_until receivers "import os,sys; sys.exit(not os.path.exists('$FTW_HOME/receivers.json'))"
  if [ -z "${PAGERDUTY_ROUTING_KEY:-}" ]; then
    receiver_env+=(PAGERDUTY_ROUTING_KEY=fake-demo-routing-key
      "PAGERDUTY_EVENTS_URL=http://127.0.0.1:${FAKE_PAGERDUTY_PORT}")
  fi
  if [ -z "${SLACK_BOT_TOKEN:-}" ]; then
    slack_token=$("$BIN/python" -c "import json; print(json.load(open('$FTW_HOME/receivers.json'))['slack_token'])")
    receiver_env+=("SLACK_BOT_TOKEN=${slack_token}" "SLACK_API_URL=http://127.0.0.1:${FAKE_SLACK_PORT}/api/")
  fi
fi

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
  ${receiver_env[@]+"${receiver_env[@]}"} \
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

# A new Prometheus would know only the minutes since it started: long burn-rate windows would
# then hold so few events that any outage fires the slow tiers at once. Backfill days of
# steady, error-free traffic at the rates the live targets show (see ftw_observe/demo/history.py).
history_end=""
if [ "$HISTORY_HOURS" != 0 ] && [ ! -d "$FTW_HOME/prometheus" ]; then
  echo "demo: backfilling ${HISTORY_HOURS} h of steady traffic at the rates measured now"
  wait_until exporter "$(ok "${EXPORTER_URL}/metrics")"
  history_end=$(($(date +%s) + 15))  # the rates are measured over the next 15 s
  history_start=$((history_end - HISTORY_HOURS * 3600))
  if ! { "$BIN/ftw-observe" demo history --hours "$HISTORY_HOURS" --out "$FTW_HOME/history.om" \
    --end "$history_end" --step 100 \
    --target "marketplace=127.0.0.1:${MARKETPLACE_PORT}" \
    --target "ftw-exporter=127.0.0.1:${EXPORTER_PORT}" \
    --metric-prefix http_requests --metric-prefix http_request_duration_seconds \
    --metric-prefix ftw_bid_response_seconds --metric-prefix ftw_payouts &&
    "$PROMTOOL_BIN" tsdb create-blocks-from openmetrics "$FTW_HOME/history.om" \
      "$FTW_HOME/prometheus"; } >"$LOGS/history.log" 2>&1; then
    echo "demo: backfilling failed; its log:" >&2
    tail -n 20 "$LOGS/history.log" >&2
    exit 1
  fi
  rm -f "$FTW_HOME/history.om"
fi

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

# The period's budget sums recorded 5-minute series, which exist only from now on: record them
# over the backfilled hours too, with promtool evaluating those rules against this Prometheus.
if [ -n "$history_end" ]; then
  echo "demo: recording the SLOs' 5-minute series over the backfilled hours"
  if ! { "$BIN/python" - "$FTW_HOME/history-rules.yml" alerts/*.rules.yml <<'PY'
import sys
from pathlib import Path

import yaml

wanted = {"ftw_slo:errors:increase5m", "ftw_slo:events:increase5m"}
groups = []
for path in sys.argv[2:]:
    for group in (yaml.safe_load(Path(path).read_text()) or {}).get("groups", []):
        rules = [rule for rule in group["rules"] if rule.get("record") in wanted]
        if rules:
            groups.append({"name": group["name"], "rules": rules})
Path(sys.argv[1]).write_text(yaml.safe_dump({"groups": groups}, sort_keys=False))
PY
  } >>"$LOGS/history.log" 2>&1 ||
    ! "$PROMTOOL_BIN" tsdb create-blocks-from rules --url="$PROMETHEUS_URL" \
      --start="$history_start" --end="$((history_end - 60))" --eval-interval=5m \
      --output-dir="$FTW_HOME/history-rules" "$FTW_HOME/history-rules.yml" \
      >>"$LOGS/history.log" 2>&1; then
    echo "demo: recording the backfilled hours failed; its log:" >&2
    tail -n 20 "$LOGS/history.log" >&2
    exit 1
  fi
  # Prometheus loads blocks moved into its data directory at its next compaction check (each
  # minute), without a restart. Wait for them, so the first budgets shown count the history.
  mv "$FTW_HOME"/history-rules/*/ "$FTW_HOME/prometheus/"
  rm -rf "$FTW_HOME/history-rules" "$FTW_HOME/history-rules.yml"
  echo "demo: waiting for Prometheus to load them"
  history_loaded="
import httpx, sys
query = 'max(count_over_time(ftw_slo:events:increase5m[${HISTORY_HOURS}h]))'
found = httpx.get('${PROMETHEUS_URL}/api/v1/query', params={'query': query}, timeout=5).json()
sys.exit(not any(float(r['value'][1]) > 12 for r in found['data']['result']))
"
  READY_TIMEOUT=180 wait_until prometheus "$history_loaded"
fi

# What `ftw-observe demo --drill` needs to find this stack; removed when the demo stops.
fake_pd=""
fake_slack=""
if [ "$fakes" = 1 ]; then
  [ -z "${PAGERDUTY_ROUTING_KEY:-}" ] && fake_pd="http://127.0.0.1:${FAKE_PAGERDUTY_PORT}"
  [ -z "${SLACK_BOT_TOKEN:-}" ] && fake_slack="http://127.0.0.1:${FAKE_SLACK_PORT}"
fi
DEMO_PID=$$ MARKETPLACE_URL=$URL ENGINE_URL=$ENGINE_URL PROMETHEUS_URL=$PROMETHEUS_URL \
  ALERTMANAGER_URL=$ALERTMANAGER_URL EXPORTER_URL=$EXPORTER_URL FTW_HOME=$FTW_HOME \
  FAKE_PD=$fake_pd FAKE_SLACK=$fake_slack "$BIN/python" - <<'PY'
import json
import os
import time
from pathlib import Path

env = os.environ
home = Path(env["FTW_HOME"])
stack = {
    "pid": int(env["DEMO_PID"]),
    "started_at": time.time(),
    "marketplace_url": env["MARKETPLACE_URL"],
    "engine_url": env["ENGINE_URL"],
    "prometheus_url": env["PROMETHEUS_URL"],
    "alertmanager_url": env["ALERTMANAGER_URL"],
    "exporter_url": env["EXPORTER_URL"],
    "operator_key_file": str(home / "operator.key"),
    "fake_pagerduty_url": env["FAKE_PD"] or None,
    "fake_slack_url": env["FAKE_SLACK"] or None,
}
(home / "demo.json.tmp").write_text(json.dumps(stack, indent=2) + "\n")
(home / "demo.json.tmp").replace(home / "demo.json")
PY

receivers_note="Pages go to the PagerDuty and Slack configured in the environment."
if [ -n "$fake_pd$fake_slack" ]; then
  receivers_note="Local fakes stand in for unconfigured receivers; what they received:"
  [ -n "$fake_pd" ] && receivers_note+="
  fake PagerDuty    ${fake_pd}/_fake/received   (set PAGERDUTY_ROUTING_KEY for the real one)"
  [ -n "$fake_slack" ] && receivers_note+="
  fake Slack        ${fake_slack}/_fake/received   (set SLACK_BOT_TOKEN for the real one)"
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
Prove the pager works: in another terminal, \`make drill\` (or \`${BIN}/ftw-observe demo --drill\`)
breaks job posting, waits for the page and its resolve, and prints the times and budget spent.
Or break things by hand and watch the status page, or \`${BIN}/ftw-observe status --url ${ENGINE_URL}\`:
  export FTW_OPERATOR_KEY=\$(cat ${FTW_HOME}/operator.key)
  ${BIN}/ftw-loadgen fault set --url ${URL} --route /api/jobs --error-ratio 1
  ${BIN}/ftw-loadgen fault clear --url ${URL}
Where would a page go:
  ${BIN}/ftw-observe alerts routes service=marketplace severity=page tier=page-1h
${receivers_note}
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
