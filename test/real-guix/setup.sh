#!/usr/bin/env bash
# The real-Guix test tier's environment: a Debian sid root with GNU Guix 1.5.0 (Debian's `guix`
# package), built once in a cache directory outside the checkout and reused, then a private
# mount and PID namespace in which COMMAND runs with the root ready to chroot into.
#
#   test/real-guix/setup.sh [COMMAND [ARG...]]     (as root; npm run test:guix runs it)
#
# The root: $GUIX_KEYTOOL_ROOT, default /var/cache/guix-keytool/root. It is reused when its
# marker says it is complete and `guix --version` in it prints the expected version; otherwise
# it is built afresh in a temporary directory beside it (debootstrap --variant=minbase sid, then
# apt-get install guix) and renamed into place only once complete, so an interrupted build is
# never taken for a good root (its leftovers are removed by the next run). About 1.2 GB, a few
# minutes the first time.
#
# COMMAND runs inside `unshare --mount --pid --fork`: every mount made here (proc, /dev, the
# checkout's entries bind-mounted READ-ONLY at /opt/guix-keytool in the root) exists only in that
# namespace, and every process started in it (daemons, helpers, vitest) dies with it, even if
# this script is killed with SIGKILL. On the way out the script also stops the processes the
# tests recorded in $GUIX_KEYTOOL_PIDS, sweeps the rest of its namespace and unmounts.
#
# COMMAND sees: GUIX_KEYTOOL_ROOT (the root), GUIX_KEYTOOL_CHECKOUT (the checkout's path inside
# the root), GUIX_KEYTOOL_PIDS (a file: one PID per line of processes to stop at the end),
# GUIX_KEYTOOL_GUIX_VERSION (the Guix version in the root). Without COMMAND it only makes sure
# the root is built.
#
# Exit status: COMMAND's; 0 after setup alone; 3 not run as root; 4 debootstrap missing and
# could not be installed; 5 building the root failed; 6 the root is unusable after building.
set -euo pipefail
# All of it in one block: bash then reads the whole script before running it, so editing the file
# during a run cannot change what the run does.
{
want_version=${GUIX_KEYTOOL_GUIX_VERSION:-1.5.0}
root=${GUIX_KEYTOOL_ROOT:-/var/cache/guix-keytool/root}
mirror=${GUIX_KEYTOOL_MIRROR:-http://deb.debian.org/debian}
checkout=$(cd "$(dirname "$0")/../.." && pwd)
checkout_in_root=/opt/guix-keytool
marker=.guix-keytool-root

say() { printf 'real-guix setup: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  say "needs root (it runs debootstrap, chroot and mount); run it as root, e.g. sudo npm run test:guix"
  exit 3
fi

# Re-enter in private mount and PID namespaces; --kill-child takes the namespace down with us.
if [ "${GUIX_KEYTOOL_IN_NAMESPACE:-}" != 1 ] || [ "$$" != 1 ]; then
  exec unshare --mount --propagation private --pid --fork --mount-proc --kill-child \
    env GUIX_KEYTOOL_IN_NAMESPACE=1 bash "$0" "$@"
fi

start=$(date +%s)
cache=$(dirname "$root")
mkdir -p "$cache"

mounted=()        # mount points, unmounted in reverse order on exit
pids_file=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM HUP
  if [ -n "$pids_file" ] && [ -s "$pids_file" ]; then
    while read -r pid; do
      [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done < "$pids_file"
    sleep 0.2
  fi
  # We are PID 1 of our own PID namespace: -1 reaches only processes started here.
  kill -KILL -1 2>/dev/null || true
  wait 2>/dev/null || true
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mount_at() { # mount_at TARGET MOUNT-ARGS...
  local target=$1; shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

# One builder at a time per cache directory.
exec 9>"$cache/.lock"
flock 9

root_version() { # the `guix --version` of the root at $1, or nothing
  [ -f "$1/$marker" ] || return 0
  chroot "$1" /usr/bin/guix --version 2>/dev/null | sed -n '1s/.* //p' || true
}

build_root() {
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } >&2 ||
      { say "debootstrap is missing and could not be installed (apt-get install debootstrap)"; exit 4; }
  fi
  local tmp; tmp="$root.build.$(date +%s)"
  say "building a Debian sid root with guix in $tmp (about 1.2 GB, a few minutes)"
  debootstrap --variant=minbase sid "$tmp" "$mirror" >&2 || { say "debootstrap failed"; exit 5; }
  mount_at "$tmp/proc" -t proc proc
  mount_at "$tmp/sys" -t sysfs sys
  mount_at "$tmp/dev" --rbind /dev
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"
  chroot "$tmp" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get -o Acquire::Check-Valid-Until=false update -qq && apt-get install -y -qq --no-install-recommends guix' >&2 ||
    { say "installing guix in the root failed"; exit 5; }
  chroot "$tmp" apt-get clean
  umount -l "$tmp/dev" "$tmp/sys" "$tmp/proc"
  mounted=()
  touch "$tmp/$marker"
  local got; got=$(root_version "$tmp")
  if [ "$got" != "$want_version" ]; then
    say "the new root has guix '${got:-none}', not $want_version"; exit 6
  fi
  if [ -e "$root" ] || [ -L "$root" ]; then mv "$root" "$tmp.old"; fi
  mv "$tmp" "$root"
  remove_tree "$tmp.old"
}

# Remove a directory tree, but never through a mount point: someone may have mounted proc or a
# bind mount in an old root; then the tree is left for later, with a warning.
remove_tree() {
  if awk -v p="$1/" 'index($5 "/", p) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    say "leaving $1 in place: something is mounted inside it"
    return 0
  fi
  rm -rf --one-file-system "$1" || say "could not remove all of $1"
}

# Leftovers of interrupted builds (we hold the lock: nobody else is building).
for stale in "$root".build.*; do
  if [ -e "$stale" ]; then say "removing the leftover $stale"; remove_tree "$stale"; fi
done
version=$(root_version "$root")
if [ "$version" = "$want_version" ]; then
  say "reusing $root (guix $version)"
else
  [ -e "$root" ] && say "$root is not a usable root (guix '${version:-none}', want $want_version): rebuilding"
  build_root
  version=$want_version
fi

# What the tests need in the root, every run (cheap, idempotent):
# - the unprivileged user Debian's guix-daemon.service runs the daemon as (its postinst creates it
#   with systemd-sysusers, which a minbase root lacks);
chroot "$root" getent passwd guix-daemon >/dev/null ||
  chroot "$root" useradd --system --user-group --home-dir /var/empty --shell /usr/sbin/nologin guix-daemon
#   and what the postinst then gives it (it could not, without the user);
chroot "$root" sh -c 'for d in /var/guix /var/log/guix /gnu/store; do mkdir -p $d && chown guix-daemon:guix-daemon $d; done'
# - guile-zstd, which Debian's guix Recommends (so a plain `apt-get install guix` has it) but a
#   root built without Recommends lacks: `guix publish -C zstd` needs it;
if ! chroot "$root" dpkg -s guile-zstd >/dev/null 2>&1; then
  say "installing guile-zstd in the root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get install -y -qq --no-install-recommends guile-zstd || { apt-get -o Acquire::Check-Valid-Until=false update -qq && apt-get install -y -qq --no-install-recommends guile-zstd; }' >&2 ||
    say "could not install guile-zstd in the root: guix publish -C zstd will not work"
  chroot "$root" apt-get clean
fi
# - the host's node, at the same path and with the same time stamp, so bin/keytool finds the
#   helper's start-up snapshot usable (dist/helper.blob.node names the node that built it).
node_bin=$(command -v node)
node_bin=$(readlink -f "$node_bin")
if ! cmp -s "$node_bin" "$root$node_bin"; then
  mkdir -p "$root$(dirname "$node_bin")"
  cp -p "$node_bin" "$root$node_bin"
fi
[ -e "$root/usr/bin/node" ] || ln -s "$node_bin" "$root/usr/bin/node"
chroot "$root" env -i /usr/bin/node -e 0 || { say "the host's node does not run in the root"; exit 6; }
# - git, which `keytool git` reads repositories through (Guix itself uses libgit2); installed once.
if ! chroot "$root" sh -c 'command -v git' >/dev/null; then
  say "installing git in the root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" env DEBIAN_FRONTEND=noninteractive sh -c \
    'apt-get -o Acquire::Check-Valid-Until=false update -qq && apt-get install -y -qq --no-install-recommends git && apt-get clean' >&2 ||
    { say "installing git in the root failed"; exit 6; }
fi
say "root ready in $(($(date +%s) - start)) s"

[ $# -gt 0 ] || exit 0

mount_at "$root/proc" -t proc proc
mount_at "$root/dev" --rbind /dev
# The checkout, read-only, readable by the root's guix-daemon user too: its top directory may be
# private (a clone made in `mktemp -d` is 0700), so /opt/guix-keytool is a directory of our own
# (a tmpfs, 0755) with each entry of the checkout bound into it.
mount_at "$root$checkout_in_root" -t tmpfs -o mode=0755 keytool-checkout
for entry in "$checkout"/* "$checkout"/.[!.]*; do
  [ -e "$entry" ] || continue
  target=$root$checkout_in_root/${entry##*/}
  if [ -d "$entry" ]; then mkdir "$target"; else : > "$target"; fi
  mount --bind "$entry" "$target"
  mount -o remount,bind,ro "$target"
  mounted+=("$target")
done
mount -o remount,ro "$root$checkout_in_root"
mkdir -p "$root/tmp/real-guix"
pids_file="$root/tmp/real-guix/pids"
: > "$pids_file"

export GUIX_KEYTOOL_ROOT=$root GUIX_KEYTOOL_CHECKOUT=$checkout_in_root GUIX_KEYTOOL_PIDS=$pids_file
export GUIX_KEYTOOL_GUIX_VERSION=$version
tier_start=$(date +%s)
# In the background, so that a signal (INT, TERM, HUP) runs the trap at once, not after COMMAND.
set +e
"$@" &
wait $!
status=$?
set -e
say "command finished with status $status in $(($(date +%s) - tier_start)) s (total with setup: $(($(date +%s) - start)) s)"
exit "$status"
}
