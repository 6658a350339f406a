#!/usr/bin/env bash
# Refreshes the user manual's screenshots (docs/images) by running the
# browser journey (TestBrowserJourney in internal/app) with chromium and
# fonts-wqy-microhei. `go test ./...` alone saves its screenshots in a
# temporary folder and leaves docs/images as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
NEVCRM_SCREENSHOTS=docs/images go test -run '^(TestBrowserJourney|TestBrowserWorkOrderJourney|TestBrowserOwnerCenter|TestBrowserServiceQueue|TestBrowserAdminQueue|TestBrowserReports|TestBrowserManualPages)$' -count 1 -v ./internal/app/
git status --short docs/images
