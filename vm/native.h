/* Native functions (`extern fn`, spec.md section 4.19): which libraries the
 * host names, binding a program's extern table to them (dlopen, dlsym, and
 * every libffi call interface prepared once), and the call itself.
 *
 * A .ybc names libraries, never paths: only the host (`--native LIB=PATH`,
 * yibao_env_native) says which file provides a library, so a policy from
 * elsewhere cannot make the VM call arbitrary native code.  A call allocates
 * nothing: its arguments live on the stack. */
#ifndef YB_NATIVE_H
#define YB_NATIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program.h"

/* The libraries a host names: library name -> shared object path. */
typedef struct yb_native_lib {
    char *name;
    char *path;
} yb_native_lib;
typedef struct yb_native_libs {
    int n;
    yb_native_lib *libs;
} yb_native_libs;

/* Add `name` = `path` (a later one of the same name replaces it).  False,
 * with err set, for a name that is not letters, digits, _ - . or an empty path. */
bool yb_native_libs_add(yb_native_libs *l, const char *name, const char *path, char *err, size_t errlen);
/* `LIB=PATH`, as --native takes it. */
bool yb_native_libs_parse(yb_native_libs *l, const char *spec, char *err, size_t errlen);
void yb_native_libs_free(yb_native_libs *l);

/* Bind every extern of p to the libraries of libs: each library opened once
 * (dlopen), each symbol found (dlsym), each call interface prepared (ffi_prep_cif).
 * A program without externs binds to anything.  False, with err naming the
 * library and the symbol, when one cannot be bound (p is then left unbound).
 * Binding twice replaces the first binding. */
bool yb_native_bind(yb_program *p, const yb_native_libs *libs, char *err, size_t errlen);
/* Close what yb_native_bind opened (yb_program_free calls it). */
void yb_native_unbind(yb_program *p);

struct yb_vm;
/* Call native function fn with its arguments in args[0 .. nparams); the
 * result in *out.  False, with err set, when the program is not bound or
 * the function returned a value outside its kind's range (a record error). */
bool yb_native_call(const struct yb_vm *vm, unsigned fn, const int64_t *args, int64_t *out, char *err, size_t errlen);

#endif
