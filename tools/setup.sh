#!/usr/bin/env bash
# Installs every Debian 12 package Nines needs to build, test, demo and benchmark. Idempotent and
# quiet when everything is already there. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libldns-dev ldnsutils libtomlplusplus-dev libcurl4-openssl-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libmaxminddb-dev libcli11-dev nlohmann-json3-dev libssl-dev
  libcpp-httplib-dev libsimdjson-dev
  dnsutils dnsperf curl jq libmaxmind-db-writer-perl mmdb-bin iso-codes
  prometheus chromium dnstap-ldns libfstrm-dev libprotobuf-c-dev protobuf-c-compiler
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root (sudo $0)" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
