# bash completion for yibao.  Install: source this file from ~/.bashrc, or copy it to
# /usr/share/bash-completion/completions/yibao.  The command list follows `yibao --help`
# (tests/scripts/completion.sh checks that it does).
_yibao_commands="bench check compare compile coverage diff disasm doc explain fmt keygen ledger lsp merge-reports params run serve shard sign test"

_yibao_options() {
    case $1 in
        run)      echo "-o --format --input-format --jobs --ledger --migrate --report --positions --stamp --trust --explain --strict --max-record -v --verbose --help" ;;
        check)    echo "--werror --help" ;;
        compile)  echo "-o --help" ;;
        compare)  echo "-o --strict --max-record --help" ;;
        explain)  echo "--strict --max-record --help" ;;
        bench)    echo "--strict --max-record --help" ;;
        test)     echo "--coverage --json -v --help" ;;
        coverage) echo "--json --help" ;;
        fmt)      echo "--check -w --help" ;;
        doc)      echo "-o --diff --help" ;;
        ledger)   echo "show export import check --json -o" ;;
        keygen)   echo "-o --help" ;;
        sign)     echo "--key -o --help" ;;
        shard)    echo "-n -o --help" ;;
        merge-reports) echo "-o --keep-opened --help" ;;
        serve)    echo "--port --listen --threads --trust --poll --max-body --ledger --migrate --help" ;;
        *)        echo "--help" ;;
    esac
}

_yibao() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$_yibao_commands --help --version" -- "$cur"))
        return 0
    fi
    local cmd=${COMP_WORDS[1]}
    case $prev in
        --format|--input-format) COMPREPLY=($(compgen -W "jsonl csv" -- "$cur")); return 0 ;;
        --jobs|-n|--max-record) return 0 ;;
    esac
    if [[ $cur == -* ]] || { [ "$cmd" = ledger ] && [ "$COMP_CWORD" -eq 2 ]; }; then
        COMPREPLY=($(compgen -W "$(_yibao_options "$cmd")" -- "$cur"))
        return 0
    fi
    # policies, compiled policies, claims, test files
    COMPREPLY=($(compgen -f -X '!*.@(yb|ybc|ybt|jsonl|csv|key|pub)' -- "$cur") $(compgen -d -- "$cur"))
    return 0
}
complete -F _yibao yibao
