#!/usr/bin/env bash
# Installs what building mlv needs on a fresh Debian machine (libgit2, zlib, zstd, lz4, brotli,
# pkg-config) and the libcurl that S3 remotes open at run time (dlopen; nothing links it, so
# no headers are needed: libcurl4, or git's libcurl3-gnutls, which Sources/MLVRemote/CurlLibrary.swift
# also accepts)
# and, with --test, what the tests use besides: the loopback S3 server (moto), pyarrow
# (Parquet fixtures), gto (registry oracle), ssh-keygen (model signatures) and a headless
# Chromium that renders the HTML reports.
# Idempotent and quiet when everything is already there. Called by demo.sh and test.sh.
set -euo pipefail

need=()
for pkg in libgit2-dev zlib1g-dev libzstd-dev liblz4-dev libbrotli-dev pkg-config git; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
dpkg -s libcurl4 >/dev/null 2>&1 || dpkg -s libcurl3-gnutls >/dev/null 2>&1 || need+=(libcurl4)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! command -v moto_server >/dev/null 2>&1; then
  echo "setup: installing moto[server] (loopback S3 for the remote tests)" >&2
  python3 -m pip install -q 'moto[server]' >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! python3 -c 'import pyarrow' >/dev/null 2>&1; then
  echo "setup: installing pyarrow (writes the Parquet fixtures of the table tests)" >&2
  python3 -m pip install -q pyarrow >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! command -v gto >/dev/null 2>&1; then
  echo "setup: installing gto (DVC's model registry: the oracle of the registry tests)" >&2
  python3 -m pip install -q gto >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium (headless rendering of the HTML report in the tests)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  [ ${#need[@]} -gt 0 ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ "${1:-}" = "--test" ] && ! command -v ssh-keygen >/dev/null 2>&1; then
  # mlv model register --sign / verify call ssh-keygen -Y; the tests also use it as the oracle.
  echo "setup: installing openssh-client (ssh-keygen: model signatures and their oracle)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openssh-client >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: swift is not on PATH (this project needs Swift 6.x)" >&2
  exit 1
fi
