#include "ast.h"

#include <stdlib.h>
#include <string.h>

/* A bump arena: the whole tree is freed at once when compilation ends. */
typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} chunk;

struct yb_arena {
    chunk *head;
};

yb_arena *yb_arena_new(void)
{
    yb_arena *a = calloc(1, sizeof *a);
    if (!a) abort();
    return a;
}

void yb_arena_free(yb_arena *a)
{
    if (!a) return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *yb_arena_alloc(yb_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *c = malloc(sizeof *c + cap);
        if (!c) abort();
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    memset(p, 0, n);
    return p;
}

char *yb_arena_strndup(yb_arena *a, const char *s, size_t n)
{
    char *p = yb_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void yb_vec_push(yb_arena *a, yb_vec *v, void *item)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        void **items = yb_arena_alloc(a, (size_t)cap * sizeof *items);
        if (v->n) memcpy(items, v->items, (size_t)v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
}

yb_expr *yb_expr_new(yb_arena *a, yb_expr_kind k, yb_loc loc)
{
    yb_expr *e = yb_arena_alloc(a, sizeof *e);
    e->kind = k;
    e->loc = loc;
    e->reg = -1;
    return e;
}

yb_stmt *yb_stmt_new(yb_arena *a, yb_stmt_kind k, yb_loc loc)
{
    yb_stmt *s = yb_arena_alloc(a, sizeof *s);
    s->kind = k;
    s->loc = loc;
    s->reg = -1;
    return s;
}

yb_decl *yb_decl_new(yb_arena *a, yb_decl_kind k, yb_loc loc)
{
    yb_decl *d = yb_arena_alloc(a, sizeof *d);
    d->kind = k;
    d->loc = loc;
    return d;
}
