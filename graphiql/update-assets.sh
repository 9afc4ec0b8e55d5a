#!/usr/bin/env bash
# Re-downloads the vendored GraphiQL/React browser builds into graphiql/assets/.
#
# Pinned versions (bump here, run this script, run `go test ./graphiql/`, commit):
#   graphiql   3.9.0   graphiql.min.js, graphiql.min.css (UMD build, bundles graphql-js)
#   react      18.3.1  umd/react.production.min.js
#   react-dom  18.3.1  umd/react-dom.production.min.js
#
# Only needs npm (registry access) at update time; the Go build never runs npm:
# the files are committed and embedded with //go:embed.
# Our own files in assets/ (index.html, bootstrap.js) are not touched.
set -euo pipefail

GRAPHIQL_VERSION=3.9.0
REACT_VERSION=18.3.1
REACT_DOM_VERSION=18.3.1

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
assets="$here/assets"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

fetch() { # name version -> extracted into $tmp/name/package
	mkdir -p "$tmp/$1"
	(cd "$tmp/$1" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
}

fetch graphiql "$GRAPHIQL_VERSION"
fetch react "$REACT_VERSION"
fetch react-dom "$REACT_DOM_VERSION"

# copy SRC DST: copy a file, dropping the trailing sourceMappingURL comment
# (the .map files are not vendored, so the browser would only get 404s).
copy() {
	test -s "$1" || { echo "missing or empty: $1" >&2; exit 1; }
	sed -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$1" >"$2"
}

mkdir -p "$assets/licenses"
copy "$tmp/graphiql/package/graphiql.min.js" "$assets/graphiql.min.js"
copy "$tmp/graphiql/package/graphiql.min.css" "$assets/graphiql.min.css"
copy "$tmp/react/package/umd/react.production.min.js" "$assets/react.production.min.js"
copy "$tmp/react-dom/package/umd/react-dom.production.min.js" "$assets/react-dom.production.min.js"

cp "$tmp/graphiql/package/LICENSE" "$assets/licenses/graphiql-LICENSE.txt"
cp "$tmp/react/package/LICENSE" "$assets/licenses/react-LICENSE.txt"
cp "$tmp/react-dom/package/LICENSE" "$assets/licenses/react-dom-LICENSE.txt"

cat >"$assets/licenses/VERSIONS.txt" <<VERSIONS
Vendored browser builds (fetched from the npm registry by graphiql/update-assets.sh):
graphiql@$GRAPHIQL_VERSION   graphiql.min.js, graphiql.min.css   (MIT, graphiql-LICENSE.txt)
react@$REACT_VERSION      umd/react.production.min.js         (MIT, react-LICENSE.txt)
react-dom@$REACT_DOM_VERSION  umd/react-dom.production.min.js     (MIT, react-dom-LICENSE.txt)
graphiql.min.js bundles third-party code (graphql-js, CodeMirror 5, markdown-it, ...)
whose license headers are preserved inside the file.
VERSIONS

echo "updated $assets:"
ls -l "$assets" "$assets/licenses"
