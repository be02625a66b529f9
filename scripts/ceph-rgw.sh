#!/usr/bin/env bash
# A one-node Ceph cluster with RADOS Gateway (RGW) on 127.0.0.1: the real S3 server the
# remote tests run against (docs/remotes.md, "S3 servers mlv is tested against").
#
#   scripts/ceph-rgw.sh start [DIR]   # install if needed, bootstrap, print `export ...` lines
#   scripts/ceph-rgw.sh stop [DIR]    # stop every daemon it started, by pid; remove DIR
#   scripts/ceph-rgw.sh env [DIR]     # print the export lines of a running cluster again
#
# DIR (default $MLV_RGW_DIR or /tmp/mlv-rgw) holds the config, the monitor's store, the
# OSD's sparse block file, logs, pid files and `env` (the export lines). Typical use:
#
#   eval "$(scripts/ceph-rgw.sh start)"; trap 'scripts/ceph-rgw.sh stop' EXIT
#
# The exports are what the Swift tests read: MLV_TEST_S3_ENDPOINT, MLV_TEST_S3_ACCESS_KEY,
# MLV_TEST_S3_SECRET_KEY, MLV_TEST_S3_BUCKET, MLV_TEST_S3_SERVER (a label for messages).
#
# Layout of the cluster and the reasons (measured on Debian 12, Ceph 16.2.15):
# - one monitor, one bluestore OSD on a sparse file, one radosgw; no ceph-mgr (RGW does not
#   need it, and it costs ~100 MB and seconds to start);
# - `auth none` between the daemons: there is no cephx key to manage. With auth none,
#   radosgw needs `ms mon client mode = crc secure`, or it hangs 300 s fetching its config;
# - the OSD's block file is `block.file`: a file named `block` makes `ceph-osd --mkfs` fail
#   (bluestore takes it for its own symlink);
# - S3 requests are still authenticated: RGW checks every request's SigV4 signature against
#   the users radosgw-admin created, whatever the daemons' own auth is;
# - the first object PUT takes ~2 s while RGW creates its data pool; `start` makes that PUT,
#   so tests do not pay it.
set -euo pipefail

command=${1:-}
dir=${2:-${MLV_RGW_DIR:-/tmp/mlv-rgw}}
access_key=MLVRGWTESTKEY0000001
secret_key=mlv-rgw-test-secret-0000000000000000000
bucket=mlv-test

log() { echo "ceph-rgw: $*" >&2; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

install_packages() {
  if command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null \
    && command -v radosgw-admin >/dev/null; then
    return
  fi
  log "installing ceph-mon ceph-osd radosgw ceph-common (~70 MB)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || true
  apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw ceph-common >/dev/null
}

# Waits up to $2 seconds for $1 (a shell condition) to hold; $3 names what is awaited.
wait_for() {
  local deadline=$(($(date +%s) + $2))
  until eval "$1"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "timed out after $2 s waiting for $3; logs in $dir/log"
      tail -n 20 "$dir"/log/*.log >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

print_env() {
  cat "$dir/env"
}

start() {
  if [ -f "$dir/env" ] && [ -f "$dir/run/radosgw.pid" ] && kill -0 "$(cat "$dir/run/radosgw.pid")" 2>/dev/null; then
    log "already running ($dir)"
    print_env
    return
  fi
  install_packages
  rm -rf "$dir"
  mkdir -p "$dir"/{mon,osd,run,log,rgw}
  local fsid mon_port rgw_port started
  started=$(date +%s)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  mon_port=$(free_port)
  rgw_port=$(free_port)
  cat >"$dir/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
keyring = $dir/keyring
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
mon pg warn min per osd = 0
mon max pg per osd = 1000

[mon]
mon data = $dir/mon
mon cluster log file = $dir/log/cluster.log

[osd]
osd data = $dir/osd
osd objectstore = bluestore
bluestore block path = $dir/osd/block.file
bluestore block create = true
bluestore block size = 10737418240
bluestore fsck on mount = false
osd memory target = 536870912
bluestore cache autotune = false
bluestore cache size = 134217728

[client.rgw.mlv]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
EOF
  export CEPH_CONF="$dir/ceph.conf"
  : >"$dir/keyring"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
  ceph-mon --mkfs -i a --monmap "$dir/monmap" -c "$dir/ceph.conf" >"$dir/log/mkfs-mon.log" 2>&1
  ceph-mon -i a -c "$dir/ceph.conf"
  wait_for 'timeout 5 ceph -c "$dir/ceph.conf" mon stat >/dev/null 2>&1' 60 "the monitor"

  local osd_id
  osd_id=$(ceph -c "$dir/ceph.conf" osd create)
  ceph-osd -i "$osd_id" --mkfs -c "$dir/ceph.conf" >"$dir/log/mkfs-osd.log" 2>&1
  ceph-osd -i "$osd_id" -c "$dir/ceph.conf" 2>>"$dir/log/osd-stderr.log"
  wait_for '[ "$(ceph -c "$dir/ceph.conf" osd stat -f json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)[\"num_up_osds\"])" 2>/dev/null)" = 1 ]' 90 "the OSD"

  radosgw -c "$dir/ceph.conf" -n client.rgw.mlv
  wait_for 'curl -s -o /dev/null "http://127.0.0.1:$rgw_port/"' 120 "radosgw"
  radosgw-admin -c "$dir/ceph.conf" user create --uid=mlv --display-name="mlv tests" \
    --access-key="$access_key" --secret-key="$secret_key" >/dev/null
  local sign=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key"
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
  curl -sf "${sign[@]}" -X PUT "http://127.0.0.1:$rgw_port/$bucket" >/dev/null
  # The first PUT creates the data pool (~2 s): pay it here, not in a test.
  echo warm | curl -sf "${sign[@]}" -X PUT --data-binary @- "http://127.0.0.1:$rgw_port/$bucket/warm" >/dev/null
  curl -sf "${sign[@]}" -X DELETE "http://127.0.0.1:$rgw_port/$bucket/warm" >/dev/null
  cat >"$dir/env" <<EOF
export MLV_TEST_S3_ENDPOINT=http://127.0.0.1:$rgw_port
export MLV_TEST_S3_ACCESS_KEY=$access_key
export MLV_TEST_S3_SECRET_KEY=$secret_key
export MLV_TEST_S3_BUCKET=$bucket
export MLV_TEST_S3_SERVER="$(radosgw --version | sed 's/ (.*//; s/ceph version/Ceph RGW/')"
EOF
  log "RGW ready at http://127.0.0.1:$rgw_port in $(($(date +%s) - started)) s (bucket $bucket)"
  print_env
}

stop() {
  [ -d "$dir/run" ] || return 0
  local pidfile pid
  # Gateway first, then the OSD, then the monitor: each depends on the next.
  for name in client.rgw.mlv osd.0 mon.a; do
    pidfile="$dir/run/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
  log "stopped"
}

case "$command" in
start) start ;;
stop) stop ;;
env) print_env ;;
*)
  echo "usage: $0 start [DIR] | stop [DIR] | env [DIR]" >&2
  exit 2
  ;;
esac
