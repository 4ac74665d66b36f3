# Sourced by the demo scripts (from the repository root): starts the three demo backends on
# 127.0.0.21/.22/.23:8081 (the endpoints of zones/examples/live.example.test.toml) and makes sure
# everything the script starts in the background and records in `pids` is stopped on the way out.
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
# Background jobs of a script ignore Ctrl-C: the script takes it and stops them (SIGTERM).
trap 'exit 0' INT TERM

for address in 127.0.0.21 127.0.0.22 127.0.0.23; do
  build/bin/nines-demo-backend "$address:8081" &
  pids+=("$!")
done
