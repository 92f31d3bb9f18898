#!/usr/bin/env bash
# Builds the crowdqc Python extension and runs the Python checks: ruff, the stub check
# (mypy.stubtest) and pytest (API, bad input, parity with crowd-kit on the shared data,
# crowd-kit's own classification tests).
#
# Environment:
#   CROWDQC_VENV          virtual environment to create/reuse (default <repo>/.venv)
#   CARGO_TARGET_DIR      cargo target dir (default <repo>/target); kept between runs
#   CROWDQC_DATA          shared datasets (default <repo>/../shared/fixtures)
#   CROWDQC_REQUIRE_DATA  1 = fail instead of skipping when data or crowd-kit is missing
#   CROWDQC_PY_DEBUG      1 = debug build of the extension (faster to build, slower to run)
#   PYTHON                interpreter used to create the venv (default python3)
# Extra arguments are passed to pytest.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${CROWDQC_VENV:-$repo/.venv}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
export CROWDQC_DATA="${CROWDQC_DATA:-$repo/../shared/fixtures}"

if [ ! -x "$venv/bin/python" ]; then
    echo "creating virtual environment $venv"
    "${PYTHON:-python3}" -m venv "$venv"
fi
# shellcheck disable=SC1091
source "$venv/bin/activate"

stamp="$venv/.crowdqc-requirements"
if ! cmp -s "$repo/python/requirements-test.txt" "$stamp" 2>/dev/null; then
    python -m pip install --quiet --upgrade pip
    python -m pip install --quiet -r "$repo/python/requirements-test.txt"
    cp "$repo/python/requirements-test.txt" "$stamp"
fi

cd "$repo"
if [ "${CROWDQC_PY_DEBUG:-0}" = 1 ]; then
    maturin develop --quiet
else
    maturin develop --quiet --release
fi

echo "ruff"
ruff check python benches/python
echo "stubtest"
(cd "${TMPDIR:-/tmp}" && python -m mypy.stubtest crowdqc --mypy-config-file "$repo/pyproject.toml")
echo "pytest"
python -m pytest -q "$repo/python/tests" "$@"
