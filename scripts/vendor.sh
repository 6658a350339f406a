#!/usr/bin/env bash
# vendor.sh — refresh the pinned front-end packages in internal/web/static/vendor/.
#
# The binary embeds these files and must work offline, so they are committed.
# Run this only to change a pin: edit the variables below, run, review, commit
# internal/web/static/vendor/ (the *.js files and VERSIONS).
#
# Needs: npm (the npm registry is the only source used), tar, sha256sum.
set -euo pipefail

# --- pins -------------------------------------------------------------------
# htmx: stay on 2.0.x. npm's `latest` tag points at 4.x — never take it.
HTMX_VERSION="2.0.11"
ECHARTS_VERSION="6.1.0"
# ----------------------------------------------------------------------------

# package|version|file inside the package tarball|name in vendor/
PACKAGES=(
  "htmx.org|${HTMX_VERSION}|package/dist/htmx.min.js|htmx.min.js"
  "echarts|${ECHARTS_VERSION}|package/dist/echarts.min.js|echarts.min.js"
)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${root}/internal/web/static/vendor"
mkdir -p "$dest"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

case "$HTMX_VERSION" in
  2.*) ;;
  *) echo "vendor.sh: HTMX_VERSION must be 2.x, got $HTMX_VERSION" >&2; exit 1 ;;
esac

versions="${tmp}/VERSIONS"
{
  echo "# Vendored front-end files, written by scripts/vendor.sh — do not edit by hand."
  echo "# file	package	version	sha256"
} >"$versions"

for entry in "${PACKAGES[@]}"; do
  IFS='|' read -r name version src out <<<"$entry"
  work="${tmp}/${name}"
  mkdir -p "$work"
  echo "vendor.sh: fetching ${name}@${version}" >&2
  tarball="$(cd "$work" && npm pack --silent "${name}@${version}" | tail -n 1)"
  if [[ -z "$tarball" || ! -f "${work}/${tarball}" ]]; then
    echo "vendor.sh: npm pack ${name}@${version} produced no tarball" >&2
    exit 1
  fi
  tar -xzf "${work}/${tarball}" -C "$work"
  got="$(node -e 'process.stdout.write(require(process.argv[1]).version)' "${work}/package/package.json")"
  if [[ "$got" != "$version" ]]; then
    echo "vendor.sh: ${name}: wanted ${version}, tarball is ${got}" >&2
    exit 1
  fi
  if [[ ! -s "${work}/${src}" ]]; then
    echo "vendor.sh: ${name}@${version} has no ${src}" >&2
    exit 1
  fi
  cp "${work}/${src}" "${dest}/${out}"
  sum="$(sha256sum "${dest}/${out}" | cut -d' ' -f1)"
  printf '%s\t%s\t%s\t%s\n' "$out" "$name" "$version" "$sum" >>"$versions"
  printf 'vendor.sh: %-16s %s@%s %s bytes\n' "$out" "$name" "$version" "$(wc -c <"${dest}/${out}")" >&2
done

cp "$versions" "${dest}/VERSIONS"
echo "vendor.sh: wrote ${dest#"$root"/}/VERSIONS" >&2
