# Sourced by the ensure-*.sh scripts, which make Debian packages available to tests and benchmarks and fail loudly
# (exit 1, with the reason) when they cannot, never silently.
# shellcheck shell=bash

# apt_install LOG PACKAGE...: installs Debian packages non-interactively (as root, else through passwordless sudo),
# retrying once after `apt-get update`, waiting up to 5 minutes for dpkg's lock (another ensure-*.sh may be installing).
# On failure prints the log's tail and returns 1.
apt_install() {
  local log="$1"
  shift
  local sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  if DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@" >"$log" 2>&1; then
    return 0
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get update -q -o DPkg::Lock::Timeout=300 >>"$log" 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    return 1
  }
}

# ensure_packages NAME CHECK PACKAGE...: runs the command CHECK; if it fails, installs the packages and runs it
# again. Returns 1, saying why, if the packages cannot be installed or CHECK still fails; the log is /tmp/NAME.log.
ensure_packages() {
  local name="$1" check="$2"
  shift 2
  if "$check"; then
    return 0
  fi
  echo "[$name] installing Debian's $* ..." >&2
  apt_install "/tmp/$name.log" "$@" || {
    echo "[$name] could not install $* (log: /tmp/$name.log)" >&2
    return 1
  }
  "$check" || { echo "[$name] $* installed, but the check ($check) still fails" >&2; return 1; }
}
