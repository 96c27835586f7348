#!/usr/bin/env bash
# Installs the Debian packages a command needs when they are missing. Usage: system-packages.sh PACKAGE...
# Each argument is "command-or-path:package"; the package is installed only when the first part is absent.
set -euo pipefail
missing=()
for pair in "$@"; do
  probe=${pair%%:*}
  package=${pair#*:}
  if [[ $probe == /* ]]; then
    [[ -e $probe ]] || missing+=("$package")
  else
    command -v "$probe" >/dev/null 2>&1 || dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
