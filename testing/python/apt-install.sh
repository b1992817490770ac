# Sourced by the ensure-*.sh scripts: apt_install LOG PACKAGE... installs Debian packages non-interactively (as root,
# else through passwordless sudo), retrying once after `apt-get update`. On failure it prints the log's tail and
# returns 1; the caller says what could not be installed.
# shellcheck shell=bash

apt_install() {
  local log="$1"
  shift
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  if DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "$@" >"$log" 2>&1; then
    return 0
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get update -q >>"$log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "$@" >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    return 1
  }
}
