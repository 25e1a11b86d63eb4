# Sourced by scripts/<tool>-mirror. serve_mirror DIR PORT FILE serves DIR on 127.0.0.1:PORT in
# the background, unless a server there already serves FILE (the mirror's own archive, so that
# another tool's mirror on the same port is not taken for this one), and fails when nothing
# serves FILE then: a port another program holds would otherwise leave an inventory of 404s.
serve_mirror() {
  local dir=$1 port=$2 url="http://127.0.0.1:$2/$3"
  if ! curl -fsSI "$url" >/dev/null 2>&1; then
    nohup python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$port" >"$dir/server.log" 2>&1 &
    for _ in $(seq 50); do curl -fsSI "$url" >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  curl -fsSI "$url" >/dev/null 2>&1 || {
    echo "cannot serve $dir on 127.0.0.1:$port (see $dir/server.log); set KILN_MIRROR_PORT to a free port" >&2
    return 1
  }
}
