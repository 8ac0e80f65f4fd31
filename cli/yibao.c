/* yibao: the command line.
 *   yibao check FILE.yb                       check a policy (errors and warnings)
 *   yibao compile FILE.yb -o FILE.ybc         compile it to bytecode
 *   yibao run POLICY [CLAIMS...|-] [options]  settle claims
 *   yibao disasm POLICY                       show the bytecode
 * Exit status: 0 fine, 1 errors in the policy or in claim records, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "bench.h"
#include "commands.h"
#include "policy_diff.h"
#include "compare.h"
#include "explain_text.h"
#include "ledger_store.h"
#include "ledger_tools.h"
#include "compiler.h"
#include "load_checked.h"
#include "native.h"
#include "output.h"
#include "serve.h"
#include "sign.h"
#include "program.h"
#include "report.h"
#include "report_merge.h"
#include "batch_jobs.h"
#include "shard.h"
#include "vm.h"

#define YIBAO_VERSION "0.1.0"

static const char usage[] =
    "usage: yibao check POLICY.yb [--werror]\n"
    "       yibao compile POLICY.yb -o POLICY.ybc\n"
    "       yibao run POLICY.yb|POLICY.ybc [CLAIMS...|-] [-o OUT] [--format jsonl|csv]\n"
    "                 [--input-format jsonl|csv] [--explain] [--report FILE]\n"
    "                 [--max-record BYTES] [--strict] [--jobs N (default: the cores)] [-v]\n"
    "                 [--ledger FILE.db|postgresql://...] [--migrate] [--trust PUB|DIR] [--stamp]\n"
    "                 [--positions PART.pos (a shard part's: --report says where entries opened)]\n"
    "                 [--native LIB=PATH]... (also on check, explain, compare, test, coverage, bench, serve)\n"
    "       yibao disasm POLICY.yb|POLICY.ybc\n"
    "       yibao shard POLICY.yb|POLICY.ybc [CLAIMS...|-] -n PARTS -o DIR\n"
    "                 (DIR/part-K.jsonl: claims split as run --jobs splits them)\n"
    "                 (and DIR/part-K.pos: where each line was, for run --positions)\n"
    "       yibao merge-reports POLICY.yb REPORTS... [-o OUT] [--keep-opened]\n"
    "                 (the --report lines of the parts' runs merged as one run prints them)\n"
    "       yibao compare OLD.yb|OLD.ybc NEW.yb|NEW.ybc [CLAIMS...|-] [-o OUT] [--max-record BYTES] [--strict]\n"
    "                 [--text|--json|--csv] [--html FILE] [--as-of YEAR|--shift-years N] [--top N]\n"
    "       yibao params POLICY.yb|POLICY.ybc [--json]   (every parameter and table value, with its dates)\n"
    "       yibao diff OLD NEW [--json]   (parameters by effective date, rules added, removed or changed)\n"
    "       yibao explain POLICY.yb|POLICY.ybc CLAIMS...|- [--max-record BYTES] [--strict]\n"
    "                 (each settlement and the rules behind it, as text)\n"
    "       yibao bench POLICY.yb|POLICY.ybc CLAIMS.jsonl [PASSES] [--max-record BYTES] [--strict]\n"
    "                 (times the VM alone)\n"
    "       yibao test TESTFILE... [--coverage] [--json] [-v]   (an analyst's test cases)\n"
    "       yibao coverage POLICY CLAIMS...|- [--json]   (what no claim of a corpus exercises)\n"
    "       yibao ledger show LEDGER MEMBER_ID [--json]   (a member's running totals)\n"
    "       yibao ledger export LEDGER [-o FILE.jsonl]     (the whole ledger as JSON Lines)\n"
    "       yibao ledger import LEDGER FILE.jsonl|-        (into a new ledger)\n"
    "       yibao ledger check LEDGER                      (integrity check)\n"
    "       yibao fmt [--check | -w] [FILE.yb...]         (the canonical layout)\n"
    "       yibao lsp                                      (the language server, on stdin/stdout)\n"
    "       yibao doc POLICY.yb -o FILE.html|- [--diff OLD]  (the policy as one HTML page to read)\n"
    "       yibao keygen NAME [-o DIR]                     (NAME.key and NAME.pub, Ed25519)\n"
    "       yibao sign POLICY.ybc --key NAME.key [-o OUT]  (a signed policy)\n"
    "       yibao serve POLICY.ybc|DIR [--port N] [--trust PUB|DIR] [--ledger FILE.db|postgresql://... [--migrate]]  (the HTTP settlement service, hot swap)\n"
    "       yibao --help | --version\n"
    "\n"
    "Claims are JSON Lines (one claim per line) or CSV (files ending in .csv);\n"
    "settlements are written as JSON Lines unless --format csv.  Bad records are\n"
    "reported on stderr as FILE:LINE: error: FIELD: ... and the batch goes on;\n"
    "the run ends with 'N settled, N errors' on stderr and exits 1 if any record\n"
    "was in error.\n";

/* One command's lines of the usage text ("yibao run …" and the lines that
 * continue it); every line when cmd is NULL or not a command. */
static void usage_of(FILE *f, const char *cmd)
{
    char head[64];
    snprintf(head, sizeof head, "yibao %s ", cmd ? cmd : "");
    bool any = false, in = false;
    for (const char *l = usage; *l && *l != '\n';) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        const char *body = l + 7; /* after "usage: " or its indent */
        bool starts = len > 7 && strncmp(body, "yibao ", 6) == 0;
        if (starts) in = cmd && strncmp(body, head, strlen(head)) == 0;
        if (in) {
            fprintf(f, "%s%.*s\n", any || !starts ? "       " : "usage: ", (int)(len - 7), body);
            any = true;
        }
        l = nl ? nl + 1 : l + len;
    }
    if (!any) fputs(usage, f);
}

/* A usage error: what is wrong, then the usage of that command only. */
static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "yibao: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    usage_of(stderr, cmd);
    return 2;
}

/* `yibao CMD --help`: the command's usage and what it does. */
static const struct { const char *cmd, *text; } helps[] = {
    {"check", "Checks a policy (and its imports): errors and warnings with the source line and a caret,\n"
              "order hazards (a rule placed where it would break the settlement) and invariants; on success\n"
              "one line with its counts, and how many invariants the compiler proved.  --werror: warnings fail.\n"},
    {"compile", "Compiles a checked policy to verified bytecode (.ybc) that a bureau runs without the source.\n"},
    {"run", "Settles every claim of the inputs in order and writes one settlement per claim; a bad\n"
            "record (or one that breaks a declared invariant) is an error line on stderr and no settlement.\n"},
    {"disasm", "Prints the bytecode with its source lines.\n"},
    {"compare", "Settles every claim under both policies; writes the claims whose settlement changed and the\n"
                "money totals under both.\n"},
    {"explain", "Settles the claims and writes each settlement with the rules behind it, as text.\n"},
    {"bench", "Times the VM alone over a claims file (read first, untimed); best of PASSES.\n"},
    {"ledger", "Reads and checks a durable ledger of running totals.\n"},
    {"fmt", "Lays policy files out canonically (aligned table rows, comments kept); no file: stdin to\n"
            "stdout.  --check: names the files that would change, exit 1.  -w: rewrites them in place.\n"},
    {"lsp", "Runs the language server (LSP 3.17, JSON-RPC over stdin/stdout) for editors: diagnostics as\n"
            "you type, hover, definition, references, completion, symbols, formatting (docs/lsp.md).\n"},
    {"doc", "Renders the policy for reading as one self-contained HTML page (no script, no network): its\n"
            "imports; every parameter and table with its values by effective date, the comment that cites its\n"
            "source and the rules that read it; the rules in evaluation order, stage by stage; states, reports\n"
            "and invariants.  A variant's amendments are shown against the policy it imports.  --diff OLD:\n"
            "what changed since OLD (a .yb or .ybc), marked on the page as `yibao diff` finds it.\n"},
    {"keygen", "Makes a signing key pair.\n"},
    {"sign", "Signs a compiled policy.\n"},
};

static bool wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
    return false;
}

static int command_help(const char *cmd)
{
    for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
        if (strcmp(helps[i].cmd, cmd) == 0) {
            usage_of(stdout, cmd);
            printf("\n%s", helps[i].text);
            return 0;
        }
    return usage_error(NULL, "unknown command %s", cmd);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The options of every command that reads claims (run, explain, compare,
 * bench): --max-record BYTES and --strict.  1: argv[*i] was one (its value
 * taken too); 0: it was not; -1: a usage error, printed. */
static int reader_option(const char *cmd, int argc, char **argv, int *i, yb_batch_opts *o)
{
    const char *a = argv[*i];
    if (strcmp(a, "--strict") == 0) {
        o->reader.strict = true;
        return 1;
    }
    if (strcmp(a, "--max-record") != 0) return 0;
    if (*i + 1 == argc) {
        usage_error(cmd, "%s needs a value", a);
        return -1;
    }
    const char *v = argv[++*i];
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    /* a plain number of bytes, at least one block's worth of a line, at most 1 TiB */
    if (v[0] < '0' || v[0] > '9' || *end || n < 64 || n > (1ULL << 40)) {
        usage_error(cmd, "--max-record takes a number of bytes from 64 to 1099511627776, not %s", v);
        return -1;
    }
    o->reader.max_record = (size_t)n;
    return 1;
}

/* --native LIB=PATH (repeatable; spec.md section 4.19): 1 taken, 0 not one, -1 a usage error (printed). */
static int native_option(const char *cmd, int argc, char **argv, int *i, yb_native_libs *libs)
{
    if (strcmp(argv[*i], "--native") != 0) return 0;
    if (*i + 1 == argc) {
        usage_error(cmd, "%s needs LIBRARY=PATH", argv[*i]);
        return -1;
    }
    char err[400];
    if (!yb_native_libs_parse(libs, argv[++*i], err, sizeof err)) {
        usage_error(cmd, "%s", err);
        return -1;
    }
    return 1;
}

/* A policy from source (compiled now) or from a .ybc file (loaded and
 * verified); its native functions bound to natives (every one must be), or
 * not bound when natives is NULL (commands that settle no claim). */
static yb_program *load_policy(const char *path, bool werror, const yb_native_libs *natives)
{
    char err[512];
    if (ends_with(path, ".ybc")) {
        yb_program *p = yb_load_checked(path, NULL, natives, NULL, err, sizeof err); /* signed or not */
        if (!p) fprintf(stderr, "%s: error: %s\n", path, err);
        return p;
    }
    yb_diag d;
    yb_diag_init(&d, stderr);
    yb_program *p = yb_compile_file(path, &d);
    if (p && werror && d.warnings) {
        fprintf(stderr, "%s: error: %d warning%s treated as errors (--werror)\n", path, d.warnings, d.warnings == 1 ? "" : "s");
        yb_program_free(p);
        p = NULL;
    }
    if (!p && d.errors) fprintf(stderr, "%d error%s\n", d.errors, d.errors == 1 ? "" : "s");
    yb_diag_free(&d);
    if (p && natives && !yb_native_bind(p, natives, err, sizeof err)) {
        fprintf(stderr, "%s: error: %s\n", path, err);
        yb_program_free(p);
        p = NULL;
    }
    return p;
}

/* The same for the commands in other files of cli/ (commands.h). */
yb_program *yb_load_policy(const char *path, bool werror, const yb_native_libs *natives) { return load_policy(path, werror, natives); }
int yb_native_option(const char *cmd, int argc, char **argv, int *i, yb_native_libs *libs) { return native_option(cmd, argc, argv, i, libs); }
int yb_reader_option(int argc, char **argv, int *i, yb_batch_opts *o) { return reader_option("compare", argc, argv, i, o); }

/* --trust / --stamp: the policy as hosts load it (cli/sign.c makes the keys). */
static yb_program *load_signed(const char *path, const char *trust, const yb_native_libs *natives, yb_stamp **stamp)
{
    char err[512];
    yb_program *p = yb_load_checked(path, trust, natives, stamp, err, sizeof err);
    if (!p) fprintf(stderr, "%s: error: %s\n", path, err);
    return p;
}

static int cmd_check(int argc, char **argv)
{
    const char *path = NULL;
    bool werror = false;
    yb_native_libs libs = {0};
    int k;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--werror") == 0) werror = true;
        else if ((k = native_option("check", argc, argv, &i, &libs)) != 0) { if (k < 0) { yb_native_libs_free(&libs); return 2; } }
        else if (argv[i][0] == '-') { yb_native_libs_free(&libs); return usage_error("check", "unknown option %s", argv[i]); }
        else if (!path) path = argv[i];
        else return usage_error("check", "check takes one policy, found another: %s", argv[i]);
    }
    if (!path) { yb_native_libs_free(&libs); return usage_error("check", "check needs a policy file%s", ""); }
    /* with --native, the libraries are checked too: every native function must bind */
    yb_program *p = load_policy(path, werror, libs.n ? &libs : NULL);
    yb_native_libs_free(&libs);
    if (!p) return 1;
    int rules = 0;
    for (int i = 1; i < p->nblocks; i++) rules += p->blocks[i].branch == 0;
    fprintf(stderr, "%s: ok: policy \"%s\" version \"%s\", %d input fields, %d outputs, %d parameters, %d rules\n", path,
            p->name, p->version, p->schema.nfields, p->nouts, p->nparams, rules);
    if (p->nnatives)
        fprintf(stderr, "%s: native functions: %d%s\n", path, p->nnatives, p->bound ? ", every one bound" : " (not bound: give --native LIB=PATH to check the libraries)");
    if (p->nproved || p->ninvariants)
        fprintf(stderr, "%s: invariants: %d proved by the compiler, %d checked on every settlement\n", path, p->nproved,
                p->ninvariants);
    yb_program_free(p);
    return 0;
}

static int cmd_compile(int argc, char **argv)
{
    const char *path = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0) {
            if (++i == argc) return usage_error("compile", "-o needs a file name%s", "");
            out = argv[i];
        } else if (argv[i][0] == '-') return usage_error("compile", "unknown option %s", argv[i]);
        else if (!path) path = argv[i];
        else return usage_error("compile", "compile takes one policy, found another: %s", argv[i]);
    }
    if (!path) return usage_error("compile", "compile needs a policy file%s", "");
    if (!out) return usage_error("compile", "compile needs -o OUTPUT.ybc%s", "");
    if (ends_with(path, ".ybc")) return usage_error("compile", "%s is compiled already", path);
    yb_program *p = load_policy(path, false, NULL);
    if (!p) return 1;
    char err[512];
    bool ok = yb_ybc_write(p, out, err, sizeof err);
    if (!ok) fprintf(stderr, "yibao: %s\n", err);
    yb_program_free(p);
    return ok ? 0 : 1;
}

/* The batch loop's gate (io/batch.h), over the durable ledger. */
static int gate_admit(void *ctx, const yb_claim *c, char *msg, size_t n) { return yb_store_admit(ctx, c, msg, n); }
static bool gate_settled(void *ctx, const yb_claim *c, char *msg, size_t n) { return yb_store_settled(ctx, c, msg, n); }
static void gate_ahead(void *ctx, yb_claim *const *claims) { yb_store_ahead(ctx, claims[0]); }

/* --ledger: open it (or take it from early, opened while the policy
   compiled) and start the batch (NULL, message printed, on failure). */
static yb_store *start_ledger(const char *where, yb_store_early *early, yb_vm *vm, bool migrate, yb_run_opts *o)
{
    char err[2048];
    bool again = true;
    yb_store *st = yb_store_open_join(early, &again, err, sizeof err);
    if (!st && again) st = yb_store_open(where, true, err, sizeof err);
    if (st && !yb_store_begin(st, vm, migrate, err, sizeof err)) {
        yb_store_close(st);
        st = NULL;
    }
    if (!st) {
        fprintf(stderr, "yibao: %s\n", err);
        return NULL;
    }
    o->admit = gate_admit;
    o->settled = gate_settled;
    o->gate = st;
    o->batch.ahead = gate_ahead;
    o->batch.ahead_ctx = st;
    return st;
}

/* The batch is kept only if every settlement was written; *unknown when
 * the server went away with the COMMIT's answer (pg_store.c). */
static bool end_ledger(yb_store *st, bool ok, bool *unknown)
{
    char err[1024];
    if (!ok) {
        yb_store_rollback(st);
        fprintf(stderr, "yibao: the ledger is left as it was before this batch\n");
    } else if (!yb_store_commit(st, err, sizeof err)) {
        fprintf(stderr, "yibao: %s\n", err);
        *unknown = yb_store_commit_unknown(st);
        ok = false;
    }
    yb_store_close(st);
    return ok;
}

static int cmd_run(int argc, char **argv)
{
    const char *policy = NULL, *out = NULL, *report = NULL, *ledger = NULL, *trust = NULL, *positions = NULL;
    bool format_given = false;
    bool migrate = false, stamp = false;
    int jobs = yb_jobs_default();
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0;
    yb_run_opts o = {.batch = {.in_format = -1, .errors = stderr}, .out_format = YB_FMT_JSONL, .explain = false, .out = stdout};
    yb_native_libs libs = {0};
    int k;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "--input-format") == 0 || strcmp(a, "--report") == 0 ||
            strcmp(a, "--ledger") == 0 || strcmp(a, "--trust") == 0 || strcmp(a, "--positions") == 0) {
            if (i + 1 == argc) { free(inputs); return usage_error("run", "%s needs a value", a); }
            const char *v = argv[++i];
            if (strcmp(a, "-o") == 0) out = v;
            else if (strcmp(a, "--positions") == 0) positions = v;
            else if (strcmp(a, "--ledger") == 0) ledger = v;
            else if (strcmp(a, "--trust") == 0) trust = v;
            else if (strcmp(a, "--report") == 0) report = v;
            else {
                int f = strcmp(v, "jsonl") == 0 ? YB_FMT_JSONL : strcmp(v, "csv") == 0 ? YB_FMT_CSV : -1;
                if (f < 0) { free(inputs); return usage_error("run", "formats are jsonl and csv, not %s", v); }
                if (strcmp(a, "--format") == 0) o.out_format = (yb_format)f, format_given = true;
                else o.batch.in_format = f;
            }
        } else if ((k = reader_option("run", argc, argv, &i, &o.batch)) != 0 || (k = native_option("run", argc, argv, &i, &libs)) != 0) {
            if (k < 0) { yb_native_libs_free(&libs); free(inputs); return 2; }
        } else if (strcmp(a, "--explain") == 0) {
            o.explain = true;
        } else if (strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
            char *end = NULL;
            long n = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : 0;
            if (!end || *end || n < 1 || n > 64) { free(inputs); return usage_error("run", "--jobs needs a number of workers from 1 to 64, not %s", i + 1 < argc ? argv[i + 1] : "nothing"); }
            jobs = (int)n;
            o.jobs_given = true;
            i++;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o.jobs_log = stderr;
        } else if (strcmp(a, "--migrate") == 0) {
            migrate = true;
        } else if (strcmp(a, "--stamp") == 0) {
            stamp = true;
        } else if (a[0] == '-' && a[1] != 0) {
            free(inputs);
            return usage_error("run", "unknown option %s", a);
        } else if (!policy) {
            policy = a;
        } else {
            inputs[ninputs++] = a;
        }
    }
    if (!policy) { free(inputs); return usage_error("run", "run needs a policy file%s", ""); }
    /* a shard part's report with where its entries were opened (cli/shard.c) */
    if (positions && !report) { free(inputs); return usage_error("run", "--positions needs --report%s", ""); }
    if (positions && ninputs != 1) { free(inputs); return usage_error("run", "--positions takes one claims file (a shard part)%s", ""); }
    if (out && !format_given && ends_with(out, ".csv")) o.out_format = YB_FMT_CSV; /* -o out.csv writes CSV */
    o.batch.progress = isatty(fileno(stderr)) ? stderr : NULL; /* a progress line for a person watching */
    if (o.explain && o.out_format == YB_FMT_CSV) { free(inputs); return usage_error("run", "--explain needs JSON Lines output (not --format csv)%s", ""); }
    yb_stamp *stamp_json = NULL;
    /* a ledger on a server is opened while the policy compiles (ledger_early.c) */
    yb_store_early *early = ledger ? yb_store_open_early(ledger) : NULL;
    yb_program *p = trust || stamp ? load_signed(policy, trust, &libs, stamp ? &stamp_json : NULL) : load_policy(policy, false, &libs);
    yb_native_libs_free(&libs);
    if (!p) { yb_store_early_drop(early); free(inputs); return 1; }
    o.stamp = stamp_json;
    if (migrate && !ledger) { yb_program_free(p); free(inputs); return usage_error("run", "--migrate needs --ledger%s", ""); }
    yb_vm *vm = yb_vm_new(p);
    if (vm && positions && !(o.opens = yb_report_opens_new(p))) {
        yb_vm_free(vm);
        vm = NULL;
    }
    if (!vm) yb_store_early_drop(early);
    yb_run_stats st = {{0, 0, 0}, 0, 0, false};
    /* the ledger first: a ledger refused leaves no output file behind */
    yb_store *store = vm && ledger ? start_ledger(ledger, early, vm, migrate, &o) : NULL;
    FILE *of = stdout;
    /* every output opened before the first claim: a wrong path costs no batch */
    FILE *rf = !report ? stderr : strcmp(report, "-") == 0 ? stdout : NULL;
    if ((ledger && !store) || (out && !(of = fopen(out, "wb"))) || (report && !rf && !(rf = fopen(report, "wb")))) {
        if (!ledger || store) fprintf(stderr, "yibao: cannot write %s\n", out && !of ? out : report);
        if (of && of != stdout) fclose(of);
        if (store) end_ledger(store, false, &(bool){false});
        yb_report_opens_free(o.opens);
        yb_vm_free(vm);
        yb_program_free(p);
        free(inputs);
        return 1;
    }
    o.out = of;
    bool ok = vm && yb_batch_run_jobs(vm, jobs, inputs, ninputs, &o, &st);
    /* standard output is finished once, in main */
    if (of != stdout ? !yb_cli_finish(of, out) : fflush(stdout) != 0 || ferror(stdout)) ok = false;
    bool kept = true; /* with a ledger: the batch committed (or had nothing to keep) */
    bool unknown = false; /* whether the batch was committed: its COMMIT's answer lost */
    if (store) ok = kept = end_ledger(store, ok, &unknown);
    /* the batch reports, once every claim is settled: to --report FILE, or to stderr */
    if (vm) {
        if (!yb_cli_part_reports(vm, rf, o.opens, positions, inputs[0])) ok = false;
        if (rf == stdout ? fflush(rf) != 0 || ferror(rf) : rf != stderr && !yb_cli_finish(rf, report)) ok = false;
    } else if (rf && rf != stdout && rf != stderr) {
        fclose(rf);
    }
    if (vm && ledger) /* the settlements are written, but a batch rolled back leaves the ledger as it was */
        fprintf(stderr, "%ld settled, %ld already settled, %ld errors%s\n", st.batch.done, st.skipped, st.batch.errors,
                kept      ? ""
                : unknown ? "; whether the ledger kept this batch is not known: run it again once its server is back"
                          : "; the ledger kept none of this batch");
    else if (vm) fprintf(stderr, "%ld settled, %ld errors\n", st.batch.done, st.batch.errors);
    yb_report_opens_free(o.opens);
    yb_vm_free(vm);
    yb_program_free(p);
    free(stamp_json);
    free(inputs);
    return ok && st.batch.errors == 0 ? 0 : 1;
}

/* yibao merge-reports POLICY REPORTS... [-o OUT] [--keep-opened] (cli/shard.c) */
static int cmd_merge_reports(int argc, char **argv)
{
    const char *policy = NULL, *out = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0;
    bool keep_opened = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) out = argv[++i];
        else if (strcmp(argv[i], "--keep-opened") == 0) keep_opened = true;
        else if (argv[i][0] == '-' && argv[i][1]) {
            free(inputs);
            return usage_error("merge-reports", "unknown option %s", argv[i]);
        } else if (!policy) policy = argv[i];
        else inputs[ninputs++] = argv[i];
    }
    if (!policy) {
        free(inputs);
        return usage_error("merge-reports", "merge-reports needs a policy and report files%s", "");
    }
    yb_program *p = load_policy(policy, false, NULL);
    FILE *of = p && out ? fopen(out, "wb") : stdout;
    if (p && !of) fprintf(stderr, "yibao: cannot write %s\n", out);
    int rc = p && of ? yb_cmd_merge_reports(p, inputs, ninputs, of, out, keep_opened) : 1;
    yb_program_free(p);
    free(inputs);
    return rc;
}

/* yibao shard POLICY [CLAIMS...|-] -n N -o DIR (cli/shard.c) */
static int cmd_shard(int argc, char **argv)
{
    const char *policy = NULL, *dir = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0, n = 0;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc) {
            if (argv[i][1] == 'o') dir = argv[++i];
            else {
                char *end = NULL;
                long v = strtol(argv[++i], &end, 10);
                n = !*end && v >= 1 && v <= 64 ? (int)v : -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            free(inputs);
            return usage_error("shard", "unknown option %s", argv[i]);
        } else if (!policy) policy = argv[i];
        else inputs[ninputs++] = argv[i];
    }
    if (!policy || !dir || n < 1) {
        free(inputs);
        return usage_error("shard", "shard needs a policy, -n PARTS (1 to 64) and -o DIR%s", "");
    }
    yb_program *p = load_policy(policy, false, NULL);
    int rc = p ? yb_cmd_shard(p, n, dir, inputs, ninputs) : 1;
    yb_program_free(p);
    free(inputs);
    return rc;
}

static int cmd_disasm(int argc, char **argv)
{
    if (argc != 1) return usage_error("disasm", "disasm takes one policy file%s", "");
    yb_program *p = load_policy(argv[0], false, NULL);
    if (!p) return 1;
    yb_disasm(p, stdout);
    fputs("; parameter and table values (yibao params)\n", stdout);
    yb_params_write(p, stdout, false);
    yb_program_free(p);
    return 0;
}

static int cmd_explain(int argc, char **argv)
{
    const char *policy = NULL;
    const char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int ninputs = 0, k;
    yb_batch_opts o = {.in_format = -1, .errors = stderr};
    yb_native_libs libs = {0};
    for (int i = 0; i < argc; i++) {
        if ((k = reader_option("explain", argc, argv, &i, &o)) != 0 || (k = native_option("explain", argc, argv, &i, &libs)) != 0) {
            if (k < 0) { yb_native_libs_free(&libs); free(inputs); return 2; }
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            yb_native_libs_free(&libs);
            free(inputs);
            return usage_error("explain", "unknown option %s", argv[i]);
        } else if (!policy) {
            policy = argv[i];
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    yb_program *p = policy ? load_policy(policy, false, &libs) : NULL;
    yb_native_libs_free(&libs);
    if (!policy) { free(inputs); return usage_error("explain", "explain needs a policy and claims%s", ""); }
    int rc = p ? yb_explain_text(p, inputs, ninputs, &o, stdout) : 1;
    yb_program_free(p);
    free(inputs);
    return rc;
}

static int cmd_bench(int argc, char **argv)
{
    const char *pos[3] = {NULL, NULL, NULL}; /* policy, claims, passes */
    int npos = 0, k;
    yb_batch_opts o = {.in_format = -1, .errors = stderr};
    yb_native_libs libs = {0};
    for (int i = 0; i < argc; i++) {
        if ((k = reader_option("bench", argc, argv, &i, &o)) != 0 || (k = native_option("bench", argc, argv, &i, &libs)) != 0) {
            if (k < 0) { yb_native_libs_free(&libs); return 2; }
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            yb_native_libs_free(&libs);
            return usage_error("bench", "unknown option %s", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            yb_native_libs_free(&libs);
            return usage_error("bench", "bench takes a policy, a claims file and a number of passes, found more: %s", argv[i]);
        }
    }
    int passes = pos[2] ? atoi(pos[2]) : 3;
    yb_program *p = npos >= 2 && passes >= 1 && passes <= 100 ? load_policy(pos[0], false, &libs) : NULL;
    yb_native_libs_free(&libs);
    if (npos < 2) return usage_error("bench", "bench takes a policy and a claims file%s", "");
    if (passes < 1 || passes > 100) return usage_error("bench", "passes are 1 to 100, not %s", pos[2]);
    if (!p) return 1;
    int rc = yb_bench_vm(p, pos[1], passes, &o);
    yb_program_free(p);
    return rc;
}

static int cmd_ledger(int argc, char **argv)
{
    if (argc < 2) return usage_error("ledger", "ledger needs show, export, import or check, and a ledger%s", "");
    const char *what = argv[0], *where = argv[1];
    if (strcmp(what, "show") == 0) {
        bool json = argc == 4 && strcmp(argv[3], "--json") == 0;
        if (argc != 3 + json) return usage_error("ledger", "ledger show takes a ledger, a member id and --json if wanted%s", "");
        return yb_ledger_show(where, argv[2], json, stdout, stderr);
    }
    if (strcmp(what, "export") == 0) {
        if (argc != 2 && !(argc == 4 && strcmp(argv[2], "-o") == 0)) return usage_error("ledger", "ledger export takes a ledger and -o FILE if wanted%s", "");
        FILE *out = argc == 4 ? fopen(argv[3], "wb") : stdout;
        if (!out) {
            fprintf(stderr, "yibao: cannot write %s\n", argv[3]);
            return 1;
        }
        int rc = yb_ledger_export(where, out, stderr);
        if (out != stdout && !yb_cli_finish(out, argv[3])) rc = 1;
        return rc;
    }
    if (strcmp(what, "import") == 0) {
        if (argc != 3) return usage_error("ledger", "ledger import takes a ledger and a file%s", "");
        return yb_ledger_import(where, argv[2], stderr);
    }
    if (strcmp(what, "check") == 0) {
        if (argc != 2) return usage_error("ledger", "ledger check takes a ledger%s", "");
        return yb_ledger_check(where, stdout, stderr);
    }
    return usage_error("ledger", "ledger commands are show, export, import and check, not %s", what);
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) return usage_error(NULL, "no command given%s", "");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (wants_help(argc, argv)) return command_help(cmd);
    if (strcmp(cmd, "--version") == 0) {
        printf("yibao %s (bytecode format %d)\n", YIBAO_VERSION, YBC_VERSION);
        return 0;
    }
    if (strcmp(cmd, "keygen") == 0) return yb_cmd_keygen(argc - 2, argv + 2);
    if (strcmp(cmd, "sign") == 0) return yb_cmd_sign(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0) return yb_cmd_serve(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0) return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "compile") == 0) return cmd_compile(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "disasm") == 0) return cmd_disasm(argc - 2, argv + 2);
    if (strcmp(cmd, "shard") == 0) return cmd_shard(argc - 2, argv + 2);
    if (strcmp(cmd, "merge-reports") == 0) return cmd_merge_reports(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0) return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "compare") == 0) return yb_cmd_compare(argc - 2, argv + 2);
    if (strcmp(cmd, "params") == 0) return yb_cmd_params(argc - 2, argv + 2);
    if (strcmp(cmd, "diff") == 0) return yb_cmd_diff(argc - 2, argv + 2);
    if (strcmp(cmd, "explain") == 0) return cmd_explain(argc - 2, argv + 2);
    if (strcmp(cmd, "test") == 0) return yb_cmd_test(argc - 2, argv + 2);
    if (strcmp(cmd, "coverage") == 0) return yb_cmd_coverage(argc - 2, argv + 2);
    if (strcmp(cmd, "ledger") == 0) return cmd_ledger(argc - 2, argv + 2);
    if (strcmp(cmd, "fmt") == 0) return yb_cmd_fmt(argc - 2, argv + 2);
    if (strcmp(cmd, "lsp") == 0) return yb_cmd_lsp(argc - 2, argv + 2);
    if (strcmp(cmd, "doc") == 0) return yb_cmd_doc(argc - 2, argv + 2);
    return usage_error(NULL, "unknown command %s", cmd);
}

int main(int argc, char **argv)
{
    int rc = dispatch(argc, argv);
    /* every command's standard output, checked in one place */
    if (!yb_cli_finish(stdout, "standard output") && rc == 0) rc = 1;
    return rc;
}
