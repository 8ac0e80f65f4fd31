#!/usr/bin/env bash
# editors/completion: the bash script completes the commands of `yibao --help`
# and the options of `yibao run`; the zsh script names the same commands and
# parses.   usage: bash tests/scripts/completion.sh YIBAO
set -u
yibao=$1
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# shellcheck source=/dev/null
source editors/completion/yibao.bash
complete_line() { # words... : COMPREPLY for the last word
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _yibao; printf '%s\n' "${COMPREPLY[@]}" | sort
}
# every command of the usage text, and nothing else
want=$("$yibao" --help 2>&1 | sed -n 's/^\(usage:\)\{0,1\} *yibao \([a-z][a-z-]*\).*/\2/p' | sort -u)
got=$(complete_line yibao "" | grep -v '^--')
[ "$want" = "$got" ] && ok "yibao <TAB>: the $(echo "$got" | wc -l) commands of --help" || { bad "yibao <TAB>"; diff <(echo "$want") <(echo "$got"); }
[ "$(complete_line yibao co)" = "$(printf 'compare\ncompile\ncoverage')" ] && ok "yibao co<TAB>" || bad "yibao co<TAB>: $(complete_line yibao co | tr '\n' ' ')"
got=$(complete_line yibao run x.yb --)
for o in --format --ledger --report --explain --jobs --trust; do
    grep -qx -- "$o" <<< "$got" || bad "yibao run --<TAB> lacks $o"
done
# every option the run command's code accepts is offered
for o in $(sed -n '/^static int cmd_run/,/^}/p' cli/yibao.c | grep -o '"--[a-z-]*"' | tr -d '"' | sort -u); do
    grep -qx -- "$o" <<< "$got" || bad "yibao run --<TAB> lacks $o (cli/yibao.c accepts it)"
done
[ "$fails" = 0 ] && ok "yibao run --<TAB>: $(echo "$got" | wc -l) options"
[ "$(complete_line yibao run x.yb --format "")" = "$(printf 'csv\njsonl')" ] && ok "--format <TAB>" || bad "--format <TAB>"
# the zsh script names the same commands
zcmds=$(sed -n "s/^ *'\([a-z-]*\):.*/\1/p" editors/completion/_yibao | sort)
[ "$zcmds" = "$want" ] && ok "_yibao names the commands of --help" || { bad "_yibao commands"; diff <(echo "$want") <(echo "$zcmds"); }
if command -v zsh >/dev/null; then zsh -n editors/completion/_yibao && ok "_yibao parses" || bad "_yibao does not parse"; fi
[ "$fails" = 0 ]
