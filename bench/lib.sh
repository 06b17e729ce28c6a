# Shared by the benchmark scripts (`source bench/lib.sh` after `cd` to the top of the clone):
# finding and installing the programs they time with.

# Whether the program $1 is on PATH.
need() { command -v "$1" >/dev/null 2>&1; }

# Installs Debian packages quietly (through sudo unless root).
install() {
  echo "== installing $*" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$@" >/dev/null
}
