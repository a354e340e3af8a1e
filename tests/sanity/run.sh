#!/usr/bin/env bash
# Run ansible-test sanity on this checkout without Docker.
# ansible-test needs the tree at .../ansible_collections/ctdb/cluster (a real directory, not a symlink),
# and its virtualenvs bootstrap pip from get-pip.py, which is fetched from a host this network may not
# reach: a stand-in that uses ensurepip + PyPI is placed in its cache first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
venv=${VENV:-$repo/.venv}
python=${SANITY_PYTHON:-3.11}
dest=$repo/.cache/ansible-test/ansible_collections/ctdb/cluster

pip_version=$("$venv/bin/python" - <<'PY'
import os, re, ansible_test
path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
print(' '.join(re.findall(r"pip='([0-9.]+)'", open(path).read())))
PY
)
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
stand_in='import subprocess, sys
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
packages = [a for a in sys.argv[1:] if not a.startswith("-")]
if packages:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"] + packages)
'
for version in $pip_version; do
  [ -e "$cache/get_pip_${version//./_}.py" ] || printf '%s' "$stand_in" > "$cache/get_pip_${version//./_}.py"
done

mkdir -p "$dest"
# Copy the tracked files plus the working tree's changes, nothing generated.
(cd "$repo" && git ls-files -co --exclude-standard) | grep -v '^tests/fixtures/' > "$repo/.cache/sanity-files"
rsync -a --delete --files-from="$repo/.cache/sanity-files" "$repo/" "$dest/" 2>/dev/null || {
  rm -rf "$dest" && mkdir -p "$dest"
  (cd "$repo" && tar cf - -T .cache/sanity-files) | (cd "$dest" && tar xf -)
}
cd "$dest"
git init -q 2>/dev/null || true
exec "$venv/bin/ansible-test" sanity --venv --python "$python" --color no "$@"
