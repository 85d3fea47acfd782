#!/bin/sh
# Install a pinned orgsync release binary, verified against the release's
# checksums.txt. POSIX sh: runs under bash (GitHub Actions, also on macOS and
# Windows runners), dash and busybox ash (alpine images on GitLab CI).
#
# The GitHub action next to this file runs it; on GitLab CI, copy it into the
# repository (e.g. ci/install-orgsync.sh) and run it from before_script.
#
# Environment:
#   ORGSYNC_VERSION              required: the release tag, e.g. v1.2.3
#   ORGSYNC_INSTALL_DIR          where the binary goes (default: $HOME/.local/bin)
#   ORGSYNC_BASE_URL             where releases are (default: the project's GitHub
#                                releases); files are read from
#                                $ORGSYNC_BASE_URL/<tag>/orgsync_<version>_<os>_<arch>.tar.gz
#                                (.zip on Windows) and .../<tag>/checksums.txt
#   ORGSYNC_SHA256               optional: the archive's sha256 as you pinned it in
#                                your repository; checked on top of checksums.txt
#   ORGSYNC_GO_INSTALL_FALLBACK  "true": when the release files cannot be
#                                downloaded, build with `go install` instead. A
#                                checksum mismatch never falls back.
#   ORGSYNC_OS, ORGSYNC_ARCH     override the platform (linux|darwin|windows,
#                                amd64|arm64); default: RUNNER_OS/RUNNER_ARCH
#                                (GitHub Actions), else uname
#
# On success it prints the path of the installed binary on stdout (and
# nothing else); progress and errors go to stderr. A binary already in the
# install directory that reports the pinned version is kept (a restored cache).
# On any failure it exits non-zero and leaves the install directory as it was.
set -eu

default_base_url=https://github.com/orgsync/orgsync/releases/download
module=github.com/orgsync/orgsync/cmd/orgsync

log() { echo "install-orgsync: $*" >&2; }
fail() {
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		echo "::error title=install-orgsync::$*" >&2
	else
		echo "install-orgsync: error: $*" >&2
	fi
	exit 1
}

tag=${ORGSYNC_VERSION:-}
case "$tag" in
v[0-9]*.[0-9]*.[0-9]*) ;;
"") fail "ORGSYNC_VERSION is not set: pin a release tag such as v1.2.3" ;;
*) fail "ORGSYNC_VERSION must be a release tag such as v1.2.3, got '$tag' (never 'latest': plan and apply must run the same version)" ;;
esac
version=${tag#v} # archive names carry the version without the v

os=${ORGSYNC_OS:-}
platform="${RUNNER_OS:-$(uname -s)}/${RUNNER_ARCH:-$(uname -m)}"
if [ -z "$os" ]; then
	case "${RUNNER_OS:-$(uname -s)}" in
	Linux | linux) os=linux ;;
	macOS | Darwin) os=darwin ;;
	Windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
	*) os=unknown ;;
	esac
fi
arch=${ORGSYNC_ARCH:-}
if [ -z "$arch" ]; then
	case "${RUNNER_ARCH:-$(uname -m)}" in
	X64 | x86_64 | amd64) arch=amd64 ;;
	ARM64 | aarch64 | arm64) arch=arm64 ;;
	*) arch=unknown ;;
	esac
fi
binary=orgsync
archive=orgsync_${version}_${os}_${arch}.tar.gz
if [ "$os" = windows ]; then
	binary=orgsync.exe
	archive=orgsync_${version}_${os}_${arch}.zip
fi

dir=${ORGSYNC_INSTALL_DIR:-${HOME:?}/.local/bin}
target=$dir/$binary
base=${ORGSYNC_BASE_URL:-$default_base_url}
base=${base%/}/$tag

# reports_version BIN: BIN runs and says it is the pinned version.
reports_version() {
	[ -x "$1" ] || return 1
	first=$("$1" version 2>/dev/null | head -n 1) || return 1
	[ "$first" = "orgsync $tag" ]
}

if reports_version "$target"; then
	log "orgsync $tag is already installed in $dir"
	echo "$target"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# fetch URL FILE
fetch() {
	if command -v curl >/dev/null 2>&1; then
		curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
	elif command -v wget >/dev/null 2>&1; then
		wget -q -O "$2" "$1"
	else
		fail "neither curl nor wget is installed"
	fi
}

sha256() {
	if command -v sha256sum >/dev/null 2>&1; then
		sha256sum "$1" | cut -d ' ' -f 1
	elif command -v shasum >/dev/null 2>&1; then
		shasum -a 256 "$1" | cut -d ' ' -f 1
	else
		fail "neither sha256sum nor shasum is installed: cannot verify the download"
	fi
}

# install_from FILE: check that FILE is the pinned version, then move it into
# the install directory (atomically: a rename within the directory).
install_from() {
	chmod 0755 "$1"
	if ! reports_version "$1"; then
		got=$("$1" version 2>&1 | head -n 1) || true
		fail "the new binary does not report orgsync $tag (it says: ${got:-nothing}). Nothing was installed."
	fi
	mkdir -p "$dir"
	mv -f "$1" "$dir/.$binary.$$"
	mv -f "$dir/.$binary.$$" "$target"
}

go_install() {
	command -v go >/dev/null 2>&1 || fail "$1, and go is not installed for the go install fallback"
	log "$1: building $module@$tag with go install"
	gobin=$tmp/gobin
	mkdir -p "$gobin"
	if command -v cygpath >/dev/null 2>&1; then
		gobin=$(cygpath -w "$gobin") # Go on Windows wants a Windows path
	fi
	GOBIN=$gobin go install "$module@$tag" >&2 || fail "go install $module@$tag failed"
	install_from "$tmp/gobin/$binary"
}

downloaded=false
case "$os/$arch" in
*unknown*)
	why="no orgsync release archive for this platform ($platform)"
	;;
*)
	why="could not download orgsync $tag for $os/$arch from $base"
	log "downloading $base/$archive"
	if fetch "$base/checksums.txt" "$tmp/checksums.txt" && fetch "$base/$archive" "$tmp/$archive"; then
		downloaded=true
	fi
	;;
esac

if [ "$downloaded" != true ]; then
	if [ "${ORGSYNC_GO_INSTALL_FALLBACK:-false}" = true ]; then
		go_install "$why"
	else
		fail "$why (is $tag a published release? set ORGSYNC_GO_INSTALL_FALLBACK=true, or go-install-fallback: true, to build it with go install)"
	fi
else
	expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$tmp/checksums.txt")
	[ -n "$expected" ] || fail "checksums.txt of $tag has no entry for $archive"
	actual=$(sha256 "$tmp/$archive")
	if [ "$actual" != "$expected" ]; then
		fail "checksum mismatch for $archive: checksums.txt says $expected, the download is $actual. Nothing was installed."
	fi
	if [ -n "${ORGSYNC_SHA256:-}" ] && [ "$actual" != "$ORGSYNC_SHA256" ]; then
		fail "checksum mismatch for $archive: ORGSYNC_SHA256 pins $ORGSYNC_SHA256, the download is $actual. Nothing was installed."
	fi
	log "sha256 $actual $archive: ok"
	mkdir "$tmp/x"
	if [ "$os" = windows ]; then
		command -v unzip >/dev/null 2>&1 || fail "unzip is not installed"
		unzip -q -o "$tmp/$archive" "$binary" -d "$tmp/x" || fail "could not extract $binary from $archive"
	else
		tar -xzf "$tmp/$archive" -C "$tmp/x" "$binary" || fail "could not extract $binary from $archive"
	fi
	install_from "$tmp/x/$binary"
fi

log "installed orgsync $tag ($os/$arch) in $dir"
echo "$target"
