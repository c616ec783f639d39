#!/usr/bin/env bash
# The run command's demo, driven through the public API as a user would:
# register the sample model, create an endpoint with key auth, deploy it, score it once, print the curl that does the same.
# Usage: samples/demo.sh GATEWAY_URL ADMIN_KEY
set -euo pipefail
gateway="${1:?gateway URL}"; admin="${2:?admin key}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py=/usr/bin/python3
model_file="${DEMO_MODEL_FILE:-$here/../.data/demo/demo-classifier.onnx}"
mkdir -p "$(dirname "$model_file")"
[[ -f "$model_file" ]] || "$py" "$here/make_demo_model.py" "$model_file" >/dev/null

api() { # METHOD PATH [curl args...]: prints the body, fails on an HTTP error with the problem details
  local method="$1" path="$2"; shift 2
  local out status
  out="$(curl -sS -X "$method" -H "Authorization: Bearer $admin" -w '\n%{http_code}' "$gateway$path" "$@")"
  status="${out##*$'\n'}"; out="${out%$'\n'*}"
  if [[ "$status" -ge 400 ]]; then echo "demo: $method $path answered $status: $out" >&2; return 1; fi
  printf '%s' "$out"
}
field() { "$py" -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

sha="$(sha256sum "$model_file" | cut -d' ' -f1)"
latest="$(api GET /api/v1/models/demo-classifier/versions/latest 2>/dev/null || true)"
if [[ -n "$latest" ]] && grep -q "$sha" <<<"$latest"; then
  version="$(field '["version"]' <<<"$latest")"
else
  version="$(api POST /api/v1/models -F name=demo-classifier -F 'description=Demo classifier: 4 features to 3 class probabilities' \
    -F 'tags={"purpose":"demo"}' -F "file=@$model_file;filename=model.onnx" | field '["version"]')"
fi
echo "demo: model demo-classifier:$version registered"

api PUT /api/v1/endpoints/demo -H 'Content-Type: application/json' -d '{"authMode":"key","description":"demo endpoint"}' >/dev/null
# A blue that failed on an earlier run (say, started with no inference node) is retried: a plain re-PUT of the same
# body changes nothing by design, forceRebuild asks for a new rollout. One that served before the platform restarted
# needs nothing: Deploy's reconciler loads it again on the nodes of this run.
body='{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.7, 1.5]]}'
retry=false
previous="$(api GET /api/v1/endpoints/demo/deployments/blue 2>/dev/null || true)"
if [[ -n "$previous" && "$(field '["state"]' <<<"$previous")" == Failed ]]; then retry=true; fi
api PUT /api/v1/endpoints/demo/deployments/blue -H 'Content-Type: application/json' \
  -d "{\"model\":\"demo-classifier:$version\",\"compute\":\"local\",\"instanceCount\":1,\"cpuCores\":1,\"memoryGb\":1,\"isDefault\":true,\"forceRebuild\":$retry}" >/dev/null
for _ in $(seq 1 120); do
  state="$(api GET /api/v1/endpoints/demo/deployments/blue | field '["state"]')"
  # Unhealthy is waited out too: after a restart the reconciler is placing blue on this run's nodes.
  [[ "$state" == Healthy || "$state" == Failed ]] && break
  sleep 1
done
echo "demo: deployment blue is $state"
if [[ "$state" != Healthy ]]; then api GET '/api/v1/endpoints/demo/deployments/blue/logs?tail=20' >&2 || true; exit 1; fi

key="$(api GET /api/v1/endpoints/demo/keys | field '["primaryKey"]')"
# The gateway picks up the routing change within moments of the rollout (or repair) switching.
for _ in $(seq 1 30); do
  answer="$(curl -sS -f -X POST "$gateway/endpoints/demo/score" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body" || true)"
  [[ -n "$answer" ]] && break
  sleep 1
done
echo "demo: scored: $answer"
echo "demo: try it yourself:"
echo "  curl -X POST $gateway/endpoints/demo/score -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' -d '$body'"

# The entry-script sample (Azure ML's init()/run() in an environment) beside it: its own endpoint, demo-script.
if [[ "${DEMO_ENTRY_SCRIPT:-1}" == 1 ]]; then
  DEMO_SCRIPT_MODEL_DIR="$(dirname "$model_file")/entry-script-model" "$here/entry-script/deploy.sh" "$gateway" "$admin" \
    || echo "demo: the entry-script sample failed (see above); the ONNX demo stands" >&2
fi

