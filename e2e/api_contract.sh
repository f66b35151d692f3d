#!/usr/bin/env bash
# Schemathesis against every OpenAPI document Publica serves, on a live `publica serve`:
# fails on any 5xx and on any response that breaks the schema. The REST API (django-ninja) is
# the only API with an OpenAPI document; Open311 GeoReport v2, SensorThings 1.1, the CKAN
# Action API and the exchange follow their own specifications and are fuzzed in tests/fuzz/.
# A new document goes in OPENAPI_DOCUMENTS.
OPENAPI_DOCUMENTS=(/api/v1/openapi.json)
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir=$(mktemp -d)
# Wait for the server (and the worker it runs) to stop before removing what it writes to.
trap 'kill "${server:-}" 2>/dev/null || true; wait "${server:-}" 2>/dev/null || true
      rm -rf "$data_dir"' EXIT
export PUBLICA_DATA_DIR="$data_dir" PUBLICA_LOG_LEVEL=WARNING PUBLICA_SERVE_WORKERS=2
unset DATABASE_URL
.venv/bin/publica migrate >/dev/null
.venv/bin/publica demo --cases 40 >/dev/null 2>&1
key=$(.venv/bin/publica apikeys create --name contract-tests --rate 100000 \
  --scopes services:read,cases:read,cases:write,cases:transition,webhooks:manage | tail -n 1)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PUBLICA_LOG_LEVEL=INFO .venv/bin/publica serve --port "$port" >"$data_dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
# Each web worker builds the assistant's index (and loads its model) as it starts: wait for
# both, or the first questions would time out while the model loads.
for _ in $(seq 1 900); do
  [ "$(grep -c 'assistant: index of' "$data_dir/serve.log")" -ge "$PUBLICA_SERVE_WORKERS" ] && break
  sleep 0.2
done
for document in "${OPENAPI_DOCUMENTS[@]}"; do
  echo "schemathesis: $document"
  .venv/bin/schemathesis run "http://127.0.0.1:$port$document" \
    --header "Authorization: Bearer $key" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${CONTRACT_EXAMPLES:-30}" \
    --suppress-health-check all
done
