#!/usr/bin/env python3
"""Mutates a policy's layout without changing its tokens, for tests/scripts/fmt.sh:
every code line re-indented (0-8 spaces or 0-2 tabs, at random: fmt works the indent out
from the structure), the spaces between two words of a code line without a comment widened
(1-3 spaces or a tab), trailing spaces and tabs added, a blank line doubled (with or without
white space on it).  Strings and comments are left as they are, and so are a trailing comment's
distance from its code and a comment-only line's indent: what fmt keeps as the author wrote
them.  The same seed gives the same mutation.   usage: fmt_mutate.py SEED < policy.yb > mutated.yb"""
import random
import sys


def split_code(line):
    """(code, comment): the comment starts at a # outside a string."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == '"':
            i += 1
            while i < n and line[i] != '"':
                i += 2 if line[i] == '\\' else 1
            i += 1
            continue
        if c == '#':
            return line[:i], line[i:]
        i += 1
    return line, ''


def widen(code, rnd):
    """The spaces between words, each widened at random (never inside a string)."""
    out, i, n = [], 0, len(code)
    lead = len(code) - len(code.lstrip(' \t'))
    out.append(code[:lead])
    i = lead
    while i < n:
        c = code[i]
        if c == '"':
            j = i + 1
            while j < n and code[j] != '"':
                j += 2 if code[j] == '\\' else 1
            out.append(code[i:j + 1])
            i = j + 1
        elif c in ' \t':
            j = i
            while j < n and code[j] in ' \t':
                j += 1
            out.append(rnd.choice([' ', '  ', '   ', '\t']) if j < n else code[i:j])
            i = j
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def reindent(code, rnd):
    """The code line with its indent replaced by 0-8 spaces or 0-2 tabs."""
    lead = rnd.choice([' ' * rnd.randint(0, 8), '\t' * rnd.randint(0, 2)])
    return lead + code.lstrip(' \t')


def main():
    rnd = random.Random(int(sys.argv[1]))
    src = sys.stdin.read()
    lines = src.split('\n')
    out = []
    for line in lines:
        code, comment = split_code(line)
        if code.strip() and not comment:  # a line with a comment keeps its columns
            code = widen(code, rnd)
        if code.strip():
            code = reindent(code, rnd)
        line = code + comment
        if line.strip() and rnd.random() < 0.3:
            line += rnd.choice([' ', '\t', '  \t'])
        out.append(line)
        if not line.strip() and rnd.random() < 0.5:
            out.append(rnd.choice(['', ' ', '\t']))
    sys.stdout.write('\n'.join(out))


main()
