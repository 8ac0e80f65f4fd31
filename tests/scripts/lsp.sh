#!/usr/bin/env bash
# yibao lsp driven by a scripted editor (tests/scripts/lsp_client.py): open a
# policy importing the standard one, edit it (diagnostic and its UTF-16 range,
# then cleared), hover, definition across imports, references, completion,
# symbols, formatting, and the protocol's errors.   usage: bash tests/scripts/lsp.sh YIBAO
set -u
exec python3 "$(dirname "$0")/lsp_client.py" "$1" "$(pwd)"
