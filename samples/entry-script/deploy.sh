#!/usr/bin/env bash
# The entry-script sample, driven through the public API as an Azure ML user would: register the environment
# (requirements.txt), the scikit-learn model and the code folder (score.py), deploy them as endpoint "demo-script",
# score it once and print the curl that does the same.
# Usage: samples/entry-script/deploy.sh GATEWAY_URL ADMIN_KEY
set -euo pipefail
gateway="${1:?gateway URL}"; admin="${2:?admin key}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py=/usr/bin/python3
model_dir="${DEMO_SCRIPT_MODEL_DIR:-$here/../../.data/demo/entry-script-model}"
[[ -f "$model_dir/model.pkl" ]] || "$py" "$here/make_model.py" "$model_dir" >/dev/null

api() { # METHOD PATH [curl args...]: prints the body, fails on an HTTP error with the problem details
  local method="$1" path="$2"; shift 2
  local out status
  out="$(curl -sS -X "$method" -H "Authorization: Bearer $admin" -w '\n%{http_code}' "$gateway$path" "$@")"
  status="${out##*$'\n'}"; out="${out%$'\n'*}"
  if [[ "$status" -ge 400 ]]; then echo "entry-script: $method $path answered $status: $out" >&2; return 1; fi
  printf '%s' "$out"
}
field() { "$py" -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

env_version="$(api POST /api/v1/environments -F name=demo-sklearn-env -F "file=@$here/requirements.txt;filename=requirements.txt" | field '["version"]')"
model_version="$(api POST /api/v1/models -F name=demo-iris-sklearn -F framework=sklearn \
  -F "file=@$model_dir/model.pkl;filename=model.pkl" -F "file=@$model_dir/labels.json;filename=labels.json" | field '["version"]')"
code_version="$(api POST /api/v1/models -F name=demo-iris-code -F framework=custom -F "file=@$here/score.py;filename=score.py" | field '["version"]')"
echo "entry-script: environment demo-sklearn-env:$env_version, model demo-iris-sklearn:$model_version, code demo-iris-code:$code_version registered"

api PUT /api/v1/endpoints/demo-script -H 'Content-Type: application/json' -d '{"authMode":"key","description":"entry-script sample"}' >/dev/null
api PUT /api/v1/endpoints/demo-script/deployments/blue -H 'Content-Type: application/json' -d "{
  \"model\":\"demo-iris-sklearn:$model_version\",\"environment\":\"demo-sklearn-env:$env_version\",
  \"codeModel\":\"demo-iris-code:$code_version\",\"entryScript\":\"score.py\",
  \"compute\":\"local\",\"instanceCount\":1,\"cpuCores\":0.5,\"memoryGb\":0.5,\"isDefault\":true}" >/dev/null
for _ in $(seq 1 300); do
  state="$(api GET /api/v1/endpoints/demo-script/deployments/blue | field '["state"]')"
  [[ "$state" == Healthy || "$state" == Failed || "$state" == Unhealthy ]] && break
  sleep 1
done
echo "entry-script: deployment blue is $state"
if [[ "$state" != Healthy ]]; then api GET '/api/v1/endpoints/demo-script/deployments/blue/logs?tail=30' >&2 || true; exit 1; fi

body='{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 5.6, 2.1]]}'
key="$(api GET /api/v1/endpoints/demo-script/keys | field '["primaryKey"]')"
answer="$(curl -sS -X POST "$gateway/endpoints/demo-script/score" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d "$body")"
echo "entry-script: scored: $answer"
echo "entry-script: try it yourself:"
echo "  curl -X POST $gateway/endpoints/demo-script/score -H 'Authorization: Bearer $key' -H 'Content-Type: application/json' -d '$body'"
