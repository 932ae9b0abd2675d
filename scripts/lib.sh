# Shared by the test scripts (source it): a Campus server on a free loopback port.

# free_port: a port nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_campus DATA_DIR PORT LOG: serves target/debug/campus from DATA_DIR, stops it (and
# removes DATA_DIR) when the script exits, and waits until /readyz answers (the log is
# printed and the script fails otherwise).
start_campus() {
  local data=$1 port=$2 log=$3
  target/debug/campus --data-dir "$data" serve --port "$port" >"$log" 2>&1 &
  campus_server_pid=$!
  trap 'kill "$campus_server_pid" 2>/dev/null || true; wait "$campus_server_pid" 2>/dev/null || true; rm -rf "'"$data"'"' EXIT
  for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  cat "$log" >&2
  return 1
}
