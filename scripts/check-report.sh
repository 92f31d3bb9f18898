#!/usr/bin/env bash
# Browser check of `crowdqc report`: renders reports of three real datasets, loads each
# in headless Chromium and fails on any console message or uncaught exception; saves a
# screenshot of each. First proves the check can fail: a deliberately broken page must
# be flagged.
#
# Idempotent. Installs Debian's `chromium` with apt-get when it is missing (needs
# root). Data: $CROWDQC_DATA (default ../shared/fixtures). Output: $REPORT_CHECK_DIR
# (default $CARGO_TARGET_DIR/report-check or target/report-check).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${CROWDQC_DATA:-../shared/fixtures}"
TARGET="${CARGO_TARGET_DIR:-target}"
OUT="${REPORT_CHECK_DIR:-$TARGET/report-check}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

if ! command -v chromium >/dev/null 2>&1; then
    echo "check-report: installing chromium (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

cargo build -q -p crowdqc-cli
BIN="$TARGET/debug/crowdqc"

PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT

# load(page.html, screenshot.png): headless Chromium with console messages on stderr;
# prints the console lines and returns 1 when there is any, or when no screenshot came
load() {
    local page="$1" shot="$2" log="$OUT/$(basename "$1").log"
    rm -f "$shot"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$PROFILE" --hide-scrollbars --window-size=1280,1800 \
        --enable-logging=stderr --v=0 --virtual-time-budget=2000 \
        --screenshot="$shot" "file://$page" >"$log" 2>&1 || true
    local bad
    bad="$(grep -E 'CONSOLE|Uncaught|Refused to' "$log" || true)"
    if [[ -n "$bad" ]]; then
        echo "$bad"
        return 1
    fi
    if [[ ! -s "$shot" ]]; then
        echo "no screenshot; chromium said:"
        tail -5 "$log"
        return 1
    fi
}

# the check must be able to fail: an exception, a console error and a blocked request
cat >"$OUT/broken.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>broken</title></head><body>
<p>deliberately broken</p><script>console.error("deliberate console error"); undefinedFunction();</script>
</body></html>
HTML
if load "$OUT/broken.html" "$OUT/broken.png" >/dev/null; then
    echo "check-report: FAILED: the deliberately broken page was not flagged" >&2
    exit 1
fi
echo "check-report: the deliberately broken page is flagged (the check can fail)"

POLICY="policies/recommended.toml"
fail=0
for spec in "zhou2012-dogs:--policy $POLICY" "snow2008-rte:" "venanzi2014-weather-sentiment-amt:"; do
    name="${spec%%:*}"
    extra="${spec#*:}"
    page="$OUT/$name.html"
    # shellcheck disable=SC2086
    "$BIN" report "$DATA/$name/judgments.csv" --gold "$DATA/$name/gold.csv" $extra \
        --title "crowdqc report: $name" --out "$page" >/dev/null
    if msgs="$(load "$page" "$OUT/$name.png")"; then
        echo "check-report: $name: no console message, screenshot $OUT/$name.png"
    else
        echo "check-report: FAILED: $name:" >&2
        echo "$msgs" >&2
        fail=1
    fi
done
# the optional table sorter works: click the "judgments" header of the workers table
# of the dogs report twice; the page logs the first and last values it then shows (the
# harness drops the page's Content-Security-Policy, which would refuse its probe).
# And that policy works: the dogs report with a script injected into it must have the
# injected script refused.
if [[ -f "$OUT/zhou2012-dogs.html" ]] && command -v python3 >/dev/null 2>&1; then
    python3 - "$OUT/zhou2012-dogs.html" "$OUT/sort.html" "$OUT/injected.html" <<'PY'
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
t0 = h.index('<table class="sortable"><thead><tr><th>worker</th><th>judgments</th>')
t1 = h.index("</table>", t0) + 8
s0 = h.index("<script>")
head = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", h[: h.index("<nav>")])
probe = ("<script>var th=document.querySelectorAll('th')[1],r=document.querySelector('tbody').rows;"
         "th.click();console.log('sorted '+r[0].cells[1].textContent+' '+r[r.length-1].cells[1].textContent);"
         "th.click();console.log('reversed '+r[0].cells[1].textContent);</script>")
open(sys.argv[2], "w", encoding="utf-8").write(
    head + h[t0:t1] + h[s0 : h.index("</script>", s0) + 9] + probe + "</body></html>")
open(sys.argv[3], "w", encoding="utf-8").write(
    h.replace("</h1>", "</h1><script>console.log('injected script ran')</script>", 1))
PY
    # dogs: workers gave 1 to 345 judgments
    got="$(load "$OUT/sort.html" "$OUT/sort.png" | sed -n 's/.*"\(sorted [^"]*\|reversed [^"]*\)".*/\1/p' | tr '\n' ';' || true)"
    if [[ "$got" == "sorted 1 345;reversed 345;" ]]; then
        echo "check-report: the table sorter sorts numbers both ways"
    else
        echo "check-report: FAILED: the table sorter gave '$got' (expected 'sorted 1 345;reversed 345;')" >&2
        fail=1
    fi
    msgs="$(load "$OUT/injected.html" "$OUT/injected.png" || true)"
    if grep -q "Content Security Policy.*blocked" <<<"$msgs" && ! grep -q "injected script ran" <<<"$msgs"; then
        echo "check-report: a script injected into a report is refused by its Content-Security-Policy"
    else
        echo "check-report: FAILED: an injected script was not refused: $msgs" >&2
        fail=1
    fi
fi
exit "$fail"
