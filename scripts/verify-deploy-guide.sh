#!/usr/bin/env bash
# Checks docs/部署手册.md on a Debian 12 machine (as root, with the packages
# of its §1.1 installed): takes the nginx configuration and the env file
# exactly as the guide prints them, runs `nginx -t` on the configuration
# (with a self-signed certificate where certbot would put one), reads the
# env file the way the upgrade command does, then starts nevcrm with that
# env file behind that nginx and logs in through HTTPS.
#
# It changes the machine: it writes /etc/nginx/conf.d/nevcrm.conf, a test
# certificate under /etc/letsencrypt/live/crm.example.com/ (only if none is
# there) and moves /etc/nginx/sites-enabled/default aside; it starts nginx
# and stops it at the end. Run it on a scratch machine or container.
#
#   sudo scripts/verify-deploy-guide.sh
set -euo pipefail
cd "$(dirname "$0")/.."
guide=docs/部署手册.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# block N LANG: the N-th fenced block of that language in the guide.
block() {
  awk -v want="$1" -v lang="$2" '
    /^```/ { if (inblock) { inblock = 0; next } if ($0 == "```" lang) { n++; if (n == want) { inblock = 1; next } } }
    inblock { print }' "$guide"
}

echo "== versions"
nginx -v
sqlite3 --version | cut -d' ' -f1
psql --version

echo "== nginx configuration of §5 (nginx -t)"
block 1 nginx > "$work/nevcrm.conf"
grep -q 'listen 443 ssl http2' "$work/nevcrm.conf"
cert=/etc/letsencrypt/live/crm.example.com
if [ ! -e "$cert/fullchain.pem" ]; then
  mkdir -p "$cert"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=crm.example.com \
    -keyout "$cert/privkey.pem" -out "$cert/fullchain.pem" 2>/dev/null
fi
mkdir -p /var/www/letsencrypt
[ -e /etc/nginx/sites-enabled/default ] && mv /etc/nginx/sites-enabled/default "$work/default.site"
# One upstream server in this check: the guide's three become the one test port.
sed -e '/server 127.0.0.1:808[23]/d' -e 's/127.0.0.1:8081/127.0.0.1:18081/' "$work/nevcrm.conf" > /etc/nginx/conf.d/nevcrm.conf
nginx -t

echo "== env file of §6, read as §7 step 3 reads it"
block 1 sh | grep -q . # the guide has shell blocks
awk '/^# \/etc\/nevcrm\/nevcrm.env/{f=1; next} f && /^```/{exit} f' "$guide" > "$work/nevcrm.env"
grep -q "^NEVCRM_DB='" "$work/nevcrm.env"
db="$work/verify.db"
sed -i "s|^NEVCRM_DB=.*|NEVCRM_DB='$db'|" "$work/nevcrm.env"   # SQLite instead of the example server
vars=$(sh -c "set -a; . '$work/nevcrm.env'; set +a; env" | grep -o '^NEVCRM_[A-Z_]*' | sort | tr '\n' ' ')
echo "variables: $vars"
[ "$vars" = "NEVCRM_DB NEVCRM_LOG_FORMAT NEVCRM_TRUST_PROXY " ]

echo "== nevcrm behind nginx over HTTPS"
go build -o "$work/nevcrm" ./cmd/nevcrm
sh -c "set -a; . '$work/nevcrm.env'; set +a; exec '$work/nevcrm' migrate"
sh -c "set -a; . '$work/nevcrm.env'; set +a; NEVCRM_PASSWORD='verify-guide-pw' exec '$work/nevcrm' user add --username ops --name 运维 --role admin"
sh -c "set -a; . '$work/nevcrm.env'; set +a; exec '$work/nevcrm' serve --addr 127.0.0.1:18081 --migrate=false" > "$work/serve.log" 2>&1 &
serve=$!
nginx
cleanup() { nginx -s stop || true; kill "$serve" 2>/dev/null || true; [ -e "$work/default.site" ] && mv "$work/default.site" /etc/nginx/sites-enabled/default; rm -f /etc/nginx/conf.d/nevcrm.conf; rm -rf "$work"; }
trap cleanup EXIT
curl_=(curl -sS -k --resolve crm.example.com:443:127.0.0.1 --resolve crm.example.com:80:127.0.0.1)
for _ in $(seq 1 60); do "${curl_[@]}" -fs https://crm.example.com/healthz >/dev/null 2>&1 && break; sleep 1; done
"${curl_[@]}" -f https://crm.example.com/healthz; echo
[ "$("${curl_[@]}" -o /dev/null -w '%{http_code}' http://crm.example.com/login)" = 301 ]
[ "$("${curl_[@]}" -o /dev/null -w '%{http_code}' https://crm.example.com/metrics)" = 404 ]
# Log in through the proxy: the CSRF check needs the original Host, the Secure cookie needs X-Forwarded-Proto.
code=$("${curl_[@]}" -o /dev/null -w '%{http_code}' -c "$work/jar" -H 'Origin: https://crm.example.com' \
  --data-urlencode username=ops --data-urlencode password=verify-guide-pw https://crm.example.com/login)
[ "$code" = 303 ] || { echo "login answered $code"; exit 1; }
grep -q 'nevcrm_session' "$work/jar"
grep 'nevcrm_session' "$work/jar" | grep -q TRUE   # Secure flag set behind HTTPS (trust-proxy from the env file)
[ "$("${curl_[@]}" -o /dev/null -w '%{http_code}' -b "$work/jar" https://crm.example.com/admin/)" = 200 ]
echo "deploy guide checks passed"
