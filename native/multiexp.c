/*
 * Ballotchain native backend: multi-exponentiation by Straus (interleaved windows) or, for many
 * bases, Pippenger's bucket method (multi_powmod, the batched subgroup check, batch verification
 * of range proofs), powmod itself on the IFMA path (one-base Straus), one base to several
 * exponents (Yao's method: the strict check of a range proof raises alpha and beta to every c_j),
 * and fixed-base tables (bc_table_new, bc_table_pow, bc_table_pow_many). Variable time: the
 * exponent decides the windows, the entries read and the multiplications done; secret exponents go
 * to ct_secret.c.
 */
#include "bc_internal.h"

/* acc = x when nothing has been multiplied into acc yet, else acc *= x (representation). */
static inline void multiply_or_copy(const bc_mod *M, mp_limb_t *acc, const mp_limb_t *x,
                                    int started, mp_limb_t *scr) {
    if (started)
        mulmod(M, acc, acc, x, scr);
    else
        memcpy(acc, x, M->w * LIMB_BYTES);
}

/* Bucket digit (1 <= digit <= 2^c - 1) of Pippenger's method *= x. */
static inline void add_to_bucket(const bc_mod *M, mp_limb_t *buckets, uint8_t *used,
                                 unsigned digit, const mp_limb_t *x, mp_limb_t *scr) {
    multiply_or_copy(M, buckets + (digit - 1) * M->w, x, used[digit - 1], scr);
    used[digit - 1] = 1;
}

/*
 * out = prod_d bucket_d^d over the nb buckets by running products from the top digit down
 * (Pippenger's bucket method). Returns 0, leaving out untouched, when every bucket is empty.
 */
static int sum_buckets(const bc_mod *M, const mp_limb_t *buckets, const uint8_t *used, size_t nb,
                       mp_limb_t *running, mp_limb_t *out, mp_limb_t *scr) {
    size_t w = M->w, d;
    int run_started = 0, sum_started = 0;
    for (d = nb; d > 0; d--) {
        if (used[d - 1]) {
            multiply_or_copy(M, running, buckets + (d - 1) * w, run_started, scr);
            run_started = 1;
        }
        if (!run_started) continue;
        multiply_or_copy(M, out, running, sum_started, scr);
        sum_started = 1;
    }
    return sum_started;
}

/* ------------------------------------------------------------------------------------------ */
/* Simultaneous exponentiation (Straus, interleaved sliding windows)                          */
/* ------------------------------------------------------------------------------------------ */

/* Window width minimising L/(w+1) + 2^(w-1) multiplications per base. */
static unsigned straus_window(size_t bits) {
    unsigned w, best = 1;
    double best_cost = -1.0;
    for (w = 1; w <= 7; w++) {
        double cost = (double)bits / (double)(w + 1) + (double)(1u << (w - 1));
        if (best_cost < 0 || cost < best_cost) {
            best_cost = cost;
            best = w;
        }
    }
    return best;
}

#define STRAUS_CHUNK 128

/*
 * acc (representation) *= prod_{i<k} bases[i]^exps[i], with bases as representation elements
 * (stride w) and exponents as limb arrays (ne limbs each, stride ne). k <= STRAUS_CHUNK.
 */
int straus_chunk(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
                 size_t k, mp_limb_t *acc, mp_limb_t *scr) {
    size_t w = M->w, bits = 0, i, j;
    unsigned win, npre;
    mp_limb_t *pre, *res;
    uint8_t *sched;
    int started = 0, ok = 1;
    size_t pre_words, sched_bytes;

    for (i = 0; i < k; i++) {
        size_t b = limbs_bitlen(exps + i * ne, ne);
        if (b > bits) bits = b;
    }
    if (bits == 0) return BC_OK;
    win = straus_window(bits);
    npre = 1u << (win - 1);
    pre_words = mul_size(mul_size(k, npre, &ok), w, &ok);
    sched_bytes = mul_size(k, bits, &ok);
    if (!ok) return BC_ENOMEM;
    pre = alloc_limbs(pre_words);
    res = alloc_limbs(w);
    sched = calloc(sched_bytes == 0 ? 1 : sched_bytes, 1);
    if (pre == NULL || res == NULL || sched == NULL) {
        free(pre);
        free(res);
        free(sched);
        return BC_ENOMEM;
    }

    /* Per base: odd powers b, b^3, ..., b^(2^win - 1) and the window schedule. */
    for (i = 0; i < k; i++) {
        const mp_limb_t *e = exps + i * ne;
        mp_limb_t *p = pre + i * npre * w;
        uint8_t *s = sched + i * bits;
        size_t pos;
        unsigned t;
        if (limbs_bitlen(e, ne) == 0) continue;
        memcpy(p, bases + i * w, w * LIMB_BYTES);
        if (npre > 1) {
            mulmod(M, res, p, p, scr); /* b^2 */
            for (t = 1; t < npre; t++) mulmod(M, p + t * w, p + (t - 1) * w, res, scr);
        }
        pos = bits;
        while (pos > 0) {
            size_t hi = pos - 1, lo;
            if (!get_bit(e, ne, hi)) {
                pos--;
                continue;
            }
            lo = hi + 1 >= win ? hi + 1 - win : 0;
            while (!get_bit(e, ne, lo)) lo++;
            s[lo] = (uint8_t)get_bits(e, ne, lo, (unsigned)(hi - lo + 1));
            pos = lo;
        }
    }

    /* Shared squarings from the top bit down, one multiplication per window end. */
    for (j = bits; j-- > 0;) {
        if (started) mulmod(M, res, res, res, scr);
        for (i = 0; i < k; i++) {
            uint8_t v = sched[i * bits + j];
            const mp_limb_t *entry;
            if (v == 0) continue;
            entry = pre + (i * npre + (v >> 1)) * w;
            multiply_or_copy(M, res, entry, started, scr);
            started = 1;
        }
    }
    if (started) mulmod(M, acc, acc, res, scr);
    free(pre);
    free(res);
    free(sched);
    return BC_OK;
}

/*
 * Pippenger's bucket method: per c-bit window from the top, c squarings of the running result,
 * each base multiplied into the bucket of its digit (one multiplication), then the window's
 * product prod_d bucket_d^d by two running products (at most 2^(c+1) multiplications). Cheaper
 * than Straus once k is large against 2^c: about (bits/c)(k + 2^(c+1)) + bits multiplications.
 */
#define PIPPENGER_MAX_WINDOW 12

static double pippenger_cost(size_t bits, size_t k, unsigned c) {
    double windows = (double)((bits + c - 1) / c);
    return windows * ((double)k + (double)(2u << c)) + (double)bits;
}

/* The window width 1 <= c <= max_window of smallest cost(bits, k, c), the narrowest of equals. */
static unsigned cheapest_window(double (*cost)(size_t, size_t, unsigned), size_t bits, size_t k,
                                unsigned max_window) {
    unsigned c, best = 1;
    for (c = 2; c <= max_window; c++)
        if (cost(bits, k, c) < cost(bits, k, best)) best = c;
    return best;
}

static unsigned pippenger_window(size_t bits, size_t k) {
    return cheapest_window(pippenger_cost, bits, k, PIPPENGER_MAX_WINDOW);
}

static double straus_cost(size_t bits, size_t k) {
    unsigned w = straus_window(bits);
    size_t chunks = (k + STRAUS_CHUNK - 1) / STRAUS_CHUNK;
    return (double)k * ((double)bits / (double)(w + 1) + (double)(1u << (w - 1))) +
           (double)chunks * (double)bits;
}

/* Jacobi symbol (x | m) of a representation element: R is an even power of 2, a square, so
 * (x R | m) = (x | m). */
static int repr_jacobi(const bc_mod *M, const mp_limb_t *x, mp_limb_t *scr) {
    const mp_limb_t *limbs = plain_limbs(M, x, scr);
    size_t sz = M->n;
    mpz_t z;
    while (sz > 0 && limbs[sz - 1] == 0) sz--;
    mpz_roinit_n(z, limbs, (mp_size_t)sz);
    return mpz_jacobi(z, M->mz);
}

/*
 * The parity tests of straus_qr for one window of pippenger(): for each bit b of the window's
 * digits, the product of the buckets whose digit has bit b set is the product of the bases whose
 * exponent has that bit set; its Jacobi symbol is (-1)^(number of those bases that are not
 * residues). Clears *qr when one is not 1.
 */
static void window_parities(const bc_mod *M, const mp_limb_t *buckets, const uint8_t *used,
                            unsigned c, mp_limb_t *par, int *qr, mp_limb_t *scr) {
    size_t w = M->w, nb = ((size_t)1 << c) - 1, d;
    unsigned b;
    for (b = 0; b < c && *qr; b++) {
        int started = 0;
        for (d = 1; d <= nb; d++) {
            if (!((d >> b) & 1) || !used[d - 1]) continue;
            multiply_or_copy(M, par, buckets + (d - 1) * w, started, scr);
            started = 1;
        }
        if (started && repr_jacobi(M, par, scr) != 1) *qr = 0;
    }
}

static int pippenger(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
                     size_t k, size_t bits, unsigned c, mp_limb_t *acc, mp_limb_t *scr,
                     int *qr) {
    size_t w = M->w, nb = ((size_t)1 << c) - 1, i, windows = (bits + c - 1) / c, win;
    int ok = 1, started = 0;
    mp_limb_t *buckets = alloc_limbs(mul_size(nb, w, &ok));
    mp_limb_t *running = alloc_limbs(w), *sum = alloc_limbs(w), *res = alloc_limbs(w);
    uint8_t *used = calloc(nb, 1);
    if (!ok || buckets == NULL || running == NULL || sum == NULL || res == NULL || used == NULL) {
        free(buckets);
        free(running);
        free(sum);
        free(res);
        free(used);
        return BC_ENOMEM;
    }
    for (win = windows; win-- > 0;) {
        unsigned t;
        if (started)
            for (t = 0; t < c; t++) mulmod(M, res, res, res, scr);
        memset(used, 0, nb);
        for (i = 0; i < k; i++) {
            unsigned digit = get_bits(exps + i * ne, ne, win * c, c);
            if (digit != 0) add_to_bucket(M, buckets, used, digit, bases + i * w, scr);
        }
        if (qr != NULL) window_parities(M, buckets, used, c, running, qr, scr);
        if (!sum_buckets(M, buckets, used, nb, running, sum, scr)) continue;
        multiply_or_copy(M, res, sum, started, scr);
        started = 1;
    }
    if (started) mulmod(M, acc, acc, res, scr);
    free(buckets);
    free(running);
    free(sum);
    free(res);
    free(used);
    return BC_OK;
}

/* acc (representation) *= prod bases[i]^exps[i] over any k: Straus chunk by chunk, or Pippenger's
 * bucket method when its count of multiplications is smaller (many bases). */
int straus(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
           size_t k, mp_limb_t *acc, mp_limb_t *scr) {
    return straus_qr(M, bases, exps, ne, k, acc, scr, NULL);
}

/* Per base, exactly: *qr = 0 unless every base's Jacobi symbol is 1. */
static void each_residue(const bc_mod *M, const mp_limb_t *bases, size_t k, int *qr,
                         mp_limb_t *scr) {
    size_t i;
    for (i = 0; i < k && *qr; i++)
        if (repr_jacobi(M, bases + i * M->w, scr) != 1) *qr = 0;
}

/* About the multiplications one Jacobi symbol costs: the parity tests cost bits * 2^(c-1)
 * multiplications and bits symbols, against k symbols for each base. */
#define JACOBI_MULMODS 8

/* pippenger() with the parity tests: bits * 2^(c-1) more multiplications and bits symbols, so a
 * narrower window than without them pays. */
static double parity_cost(size_t bits, size_t k, unsigned c) {
    return pippenger_cost(bits, k, c) + (double)bits * (double)((1u << (c - 1)) + JACOBI_MULMODS);
}

static unsigned parity_window(size_t bits, size_t k) {
    return cheapest_window(parity_cost, bits, k, PIPPENGER_MAX_WINDOW);
}

int straus_qr(const bc_mod *M, const mp_limb_t *bases, const mp_limb_t *exps, size_t ne,
              size_t k, mp_limb_t *acc, mp_limb_t *scr, int *qr) {
    size_t start, bits = 0, i;
    if (qr != NULL) *qr = 1;
    for (i = 0; i < k; i++) {
        size_t b = limbs_bitlen(exps + i * ne, ne);
        if (b > bits) bits = b;
    }
    if (qr != NULL && (bits < PARITY_BITS || k <= STRAUS_CHUNK)) {
        each_residue(M, bases, k, qr, scr);
        qr = NULL;
    }
    if (bits == 0) return BC_OK;
    if (k > STRAUS_CHUNK) {
        unsigned c = pippenger_window(bits, k);
        double cost = pippenger_cost(bits, k, c), straus_total = straus_cost(bits, k);
        if (qr != NULL) {
            unsigned cq = parity_window(bits, k);
            if (parity_cost(bits, k, cq) < straus_total + (double)k * JACOBI_MULMODS)
                return pippenger(M, bases, exps, ne, k, bits, cq, acc, scr, qr);
            each_residue(M, bases, k, qr, scr);
        } else if (cost < straus_total) {
            return pippenger(M, bases, exps, ne, k, bits, c, acc, scr, NULL);
        }
    }
    for (start = 0; start < k; start += STRAUS_CHUNK) {
        size_t len = k - start < STRAUS_CHUNK ? k - start : STRAUS_CHUNK;
        int status =
            straus_chunk(M, bases + start * M->w, exps + start * ne, ne, len, acc, scr);
        if (status != BC_OK) return status;
    }
    return BC_OK;
}

/* Load count packed byte values as representation elements. */
mp_limb_t *load_bases(const bc_mod *M, const uint8_t *src, size_t len, size_t count,
                      mp_limb_t *scr) {
    int ok = 1;
    size_t i, w = M->w;
    mp_limb_t *bases = alloc_limbs(mul_size(count, w, &ok));
    if (!ok || bases == NULL) {
        free(bases);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        load_plain(M, bases + i * w, src + i * len, len, scr);
        to_repr(M, bases + i * w, scr);
    }
    return bases;
}
/* Load count packed exponents of len bytes into limb arrays (*ne limbs each). */
mp_limb_t *load_exps(const uint8_t *src, size_t len, size_t count, size_t *ne) {
    int ok = 1;
    size_t i, nl = exp_limbs_for(len);
    mp_limb_t *exps = alloc_limbs(mul_size(count, nl, &ok));
    if (!ok || exps == NULL) {
        free(exps);
        return NULL;
    }
    for (i = 0; i < count; i++) be_to_limbs(exps + i * nl, nl, src + i * len, len);
    *ne = nl;
    return exps;
}

/* out = base^exp mod m through the context's own multiplication (one-base Straus). */
int ctx_powmod(const bc_mod *M, const uint8_t *base, size_t base_len, const mp_limb_t *e,
               size_t ne, uint8_t *out, size_t out_len, mp_limb_t *b, mp_limb_t *acc,
               mp_limb_t *scr) {
    int status;
    load_plain(M, b, base, base_len, scr);
    to_repr(M, b, scr);
    memcpy(acc, M->one, M->w * LIMB_BYTES);
    status = straus_chunk(M, b, e, ne, 1, acc, scr);
    if (status != BC_OK) return status;
    return store_repr(M, out, out_len, acc, scr);
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base tables                                                                          */
/* ------------------------------------------------------------------------------------------ */

void bc_table_free(bc_table *t) {
    if (t == NULL) return;
    free(t->entries);
    mod_clear(&t->M);
    free(t);
}

size_t bc_table_nbytes(const bc_table *t) { return t == NULL ? 0 : t->nbytes; }

int bc_table_new(const uint8_t *base, size_t base_len, const uint8_t *mod, size_t mod_len,
                 size_t exp_bits, int window, bc_table **out) {
    bc_table *t;
    mp_limb_t *scr = NULL, *cur = NULL;
    size_t w, i, d, total;
    int status, ok = 1;

    if (out == NULL) return BC_EINVAL;
    *out = NULL;
    if (!packed_ok(base, base_len, 1) || window < 1 || window > BC_MAX_WINDOW ||
        exp_bits < 1 || exp_bits > BC_MAX_EXP_BITS)
        return BC_EINVAL;
    t = calloc(1, sizeof(*t));
    if (t == NULL) return BC_ENOMEM;
    status = mod_init(&t->M, mod, mod_len);
    if (status != BC_OK) {
        mod_clear(&t->M);
        free(t);
        return status;
    }
    w = t->M.w;
    t->exp_bits = exp_bits;
    t->window = (unsigned)window;
    t->nwin = (exp_bits + (size_t)window - 1) / (size_t)window;
    t->per = ((size_t)1 << window) - 1;
    total = mul_size(mul_size(t->nwin, t->per, &ok), w, &ok);
    t->nbytes = mul_size(total, LIMB_BYTES, &ok);
    if (!ok) {
        bc_table_free(t);
        return BC_ENOMEM;
    }
    t->entries = alloc_limbs(total);
    scr = alloc_limbs(scratch_limbs(&t->M));
    cur = alloc_limbs(w);
    if (t->entries == NULL || scr == NULL || cur == NULL) {
        free(scr);
        free(cur);
        bc_table_free(t);
        return BC_ENOMEM;
    }
    load_plain(&t->M, cur, base, base_len, scr);
    to_repr(&t->M, cur, scr); /* cur = base^(2^(window*i)) for window i */
    for (i = 0; i < t->nwin; i++) {
        mp_limb_t *row = t->entries + i * t->per * w;
        memcpy(row, cur, w * LIMB_BYTES);
        for (d = 1; d < t->per; d++) mulmod(&t->M, row + d * w, row + (d - 1) * w, cur, scr);
        if (i + 1 < t->nwin) mulmod(&t->M, cur, row + (t->per - 1) * w, cur, scr);
    }
    free(scr);
    free(cur);
    *out = t;
    return BC_OK;
}

/* acc (representation) = base^e for an exponent of ne limbs already checked < 2^exp_bits. */
static void table_pow_limbs(const bc_table *t, const mp_limb_t *e, size_t ne, mp_limb_t *acc,
                            mp_limb_t *scr) {
    size_t w = t->M.w, i;
    int started = 0;
    for (i = 0; i < t->nwin; i++) {
        unsigned digit = get_bits(e, ne, i * t->window, t->window);
        const mp_limb_t *entry;
        if (digit == 0) continue;
        entry = t->entries + (i * t->per + digit - 1) * w;
        multiply_or_copy(&t->M, acc, entry, started, scr);
        started = 1;
    }
    if (!started) memcpy(acc, t->M.one, w * LIMB_BYTES);
}

/* Load an exponent and check it is below 2^exp_bits. */
static int table_load_exp(const bc_table *t, mp_limb_t *e, size_t ne, const uint8_t *src,
                          size_t len) {
    if (be_to_limbs(e, ne, src, len) != 0) return BC_EINVAL;
    if (limbs_bitlen(e, ne) > t->exp_bits) return BC_EINVAL;
    return BC_OK;
}

typedef struct {
    const bc_table *t;
    const uint8_t *exps;
    size_t exp_len, out_len;
    uint8_t *out;
} table_many_ctx;

static int table_many_job(void *arg, size_t start, size_t end) {
    table_many_ctx *c = (table_many_ctx *)arg;
    const bc_table *t = c->t;
    size_t ne = table_exp_limbs(t), i;
    mp_limb_t *scr = alloc_limbs(scratch_limbs(&t->M));
    mp_limb_t *acc = alloc_limbs(t->M.w);
    mp_limb_t *e = alloc_limbs(ne);
    int status = BC_OK;
    if (scr == NULL || acc == NULL || e == NULL) status = BC_ENOMEM;
    for (i = start; i < end && status == BC_OK; i++) {
        status = table_load_exp(t, e, ne, c->exps + i * c->exp_len, c->exp_len);
        if (status != BC_OK) break;
        table_pow_limbs(t, e, ne, acc, scr);
        status = store_repr(&t->M, c->out + i * c->out_len, c->out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(e);
    return status;
}

int bc_table_pow(const bc_table *t, const uint8_t *exp, size_t exp_len, uint8_t *out,
                 size_t out_len) {
    table_many_ctx c;
    if (t == NULL || !packed_ok(exp, exp_len, 1) || !packed_ok(out, out_len, 1)) return BC_EINVAL;
    c.t = t;
    c.exps = exp;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    return table_many_job(&c, 0, 1);
}

int bc_table_pow_many(const bc_table *t, const uint8_t *exps, size_t exp_len, size_t count,
                      uint8_t *out, size_t out_len, int nthreads) {
    table_many_ctx c;
    if (t == NULL || !packed_ok(exps, exp_len, count) || !packed_ok(out, out_len, count))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    c.t = t;
    c.exps = exps;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    return run_jobs(table_many_job, &c, count, nthreads);
}

/* ------------------------------------------------------------------------------------------ */
/* One base, several exponents (Yao's method)                                                 */
/* ------------------------------------------------------------------------------------------ */

/*
 * out_i = x^e_i for k exponents: the powers x^(2^(c*j)) are made once (the shared squarings),
 * then each exponent multiplies them into the bucket of their c-bit digit and combines the
 * buckets as prod_d bucket_d^d with two running products, as a window of pippenger() does.
 * About bits squarings plus, per exponent, bits/c + 2^(c+1) multiplications, against bits
 * squarings and bits/(w+1) multiplications per exponent for separate exponentiations.
 */
#define YAO_MAX_WINDOW 8

static double yao_cost(size_t bits, size_t k, unsigned c) {
    return (double)k * ((double)((bits + c - 1) / c) + (double)(2u << c));
}

static unsigned yao_window(size_t bits, size_t k) {
    return cheapest_window(yao_cost, bits, k, YAO_MAX_WINDOW);
}

/* outs (k representation elements at stride w) = x^exps[i], x a representation element. */
int same_base_pow(const bc_mod *M, const mp_limb_t *x, const mp_limb_t *exps, size_t ne,
                  size_t k, mp_limb_t *outs, mp_limb_t *scr) {
    size_t w = M->w, bits = 0, i, j, nwin, nb;
    unsigned c, t;
    int ok = 1;
    mp_limb_t *powers, *buckets, *running;
    uint8_t *used;
    for (i = 0; i < k; i++) {
        size_t b = limbs_bitlen(exps + i * ne, ne);
        if (b > bits) bits = b;
    }
    for (i = 0; i < k; i++) memcpy(outs + i * w, M->one, w * LIMB_BYTES);
    if (bits == 0) return BC_OK;
    c = yao_window(bits, k);
    nwin = (bits + c - 1) / c;
    nb = ((size_t)1 << c) - 1;
    powers = alloc_limbs(mul_size(nwin, w, &ok));
    buckets = alloc_limbs(mul_size(nb, w, &ok));
    running = alloc_limbs(w);
    used = calloc(nb, 1);
    if (!ok || powers == NULL || buckets == NULL || running == NULL || used == NULL) {
        free(powers);
        free(buckets);
        free(running);
        free(used);
        return BC_ENOMEM;
    }
    memcpy(powers, x, w * LIMB_BYTES);
    for (j = 1; j < nwin; j++) {
        mp_limb_t *p = powers + j * w;
        mulmod(M, p, powers + (j - 1) * w, powers + (j - 1) * w, scr);
        for (t = 1; t < c; t++) mulmod(M, p, p, p, scr);
    }
    for (i = 0; i < k; i++) {
        const mp_limb_t *e = exps + i * ne;
        memset(used, 0, nb);
        for (j = 0; j < nwin; j++) {
            unsigned digit = get_bits(e, ne, j * c, c);
            if (digit != 0) add_to_bucket(M, buckets, used, digit, powers + j * w, scr);
        }
        sum_buckets(M, buckets, used, nb, running, outs + i * w, scr);
    }
    free(powers);
    free(buckets);
    free(running);
    free(used);
    return BC_OK;
}
