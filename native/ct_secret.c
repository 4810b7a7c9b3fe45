/*
 * Ballotchain native backend: every computation that takes a secret, in one file an auditor can
 * read on its own (with the helpers it calls: bc_internal.h, limbs.c, modulus.c, ifma.c,
 * ct_karatsuba.c, ct_rows.c).
 *
 *   bc_table_pow_secret, bc_table_pow_secret_many, bc_table_pow_secret_traced: base^e from a
 *       fixed-base table (multiexp.c builds it) for a secret e;
 *   bc_powmod_sec, bc_powmod_sec_traced: base^e for a public base and a secret e;
 *   bc_range_exponents, bc_range_responses: the range proof's arithmetic mod q with the vote.
 *
 * What it promises: for a given table (or modulus and base) and given lengths, the sequence of
 * instructions and memory addresses is the same for every exponent, vote and value. Only the
 * error status (an exponent out of range, a value not below q) depends on them. Each section
 * below says how; the limits (compiler output not checked, CPU multipliers assumed
 * operand-independent) are written in the first one.
 *
 * How it is measured: the *_traced functions count the multiplications and the words read by the
 * selections, and tests/backend/test_backend_native.py checks that the counts are the same for
 * every exponent; the timing-leak harness (make ct, python -m benchmarks.ct; a short run in
 * tests/backend/test_constant_time.py) times each entry point with edge against uniform
 * exponents and votes (Welch's t), on both multiplications (BALLOTCHAIN_NATIVE_IFMA=0 for mpn).
 * docs/PROTOCOL.md, "Constant time, measured", holds the figures.
 *
 * Code from the other files used here: on public data only, mod_init, the loading of the public
 * base (modulus.c) and the row of its powers in bc_powmod_sec (mulmod), run_jobs. On secrets: the
 * IFMA multiplication (ifma.c: no branch, no address from the values), get_bits and
 * digits_to_limbs (shifts at fixed positions), be_to_limbs and limbs_to_be, whose loops run over
 * the lengths and whose only tests of values look at bytes beyond the fixed width (zero for an
 * exponent of exp_len bytes and for a result below the modulus stored at the modulus' length).
 */
#include "bc_internal.h"

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base exponentiation for secret exponents                                             */
/* ------------------------------------------------------------------------------------------ */

/*
 * What does not depend on the exponent's value (only on the table's shape and the lengths):
 *   - the digits are cut out at fixed positions; each row is read in full, entry by entry, and
 *     the wanted entry (1 for digit 0) is kept by AND with a mask made without a branch;
 *   - one multiplication per window, always, by the selected entry (1 included);
 *   - the multiplication: the IFMA one has no branch and no address that depends on the values
 *     (its results stay below 2m, with no final subtraction); on mpn it is ct_mul or ct_sqr
 *     (ct_karatsuba.c: Karatsuba with its signs and carries chosen by masks, down to GMP's
 *     side-channel silent schoolbook products mpn_sec_mul and mpn_sec_sqr; mpn_mul_n would
 *     switch to Toom-Cook, whose sign tests branch on the values) followed by a REDC whose
 *     rows are ct_redc_rows (ct_rows.c) and whose final subtraction is masked;
 *   - the row scans: AVX-512 for IFMA elements, AVX2 (when the CPU has it) or plain words for
 *     mpn elements; every entry is loaded and masked whatever the digit;
 *   - the conversion out of Montgomery form and the final reduction below m (masked).
 * What remains: the compiler is asked (an empty asm) not to turn masks back into branches, but
 * nothing checks the generated code; the CPU's own timing of the instructions used (integer
 * multiply, IFMA, vector logic) is assumed to be independent of the operands. The out-of-range
 * check of the exponent answers with an error, which of course depends on it.
 */

/* All ones when a == b, else 0, without a branch. */
static inline mp_limb_t ct_eq_mask(mp_limb_t a, mp_limb_t b) {
    mp_limb_t x = a ^ b;
    return ct_opaque(((x | ((mp_limb_t)0 - x)) >> (LIMB_BITS - 1)) - 1);
}

/* Overwrite memory that held secrets (a volatile store the compiler keeps). */
static void wipe(void *ptr, size_t bytes) {
    volatile unsigned char *p = (volatile unsigned char *)ptr;
    if (ptr == NULL) return;
    if ((uintptr_t)ptr % LIMB_BYTES == 0 && bytes % LIMB_BYTES == 0) {
        volatile mp_limb_t *w = (volatile mp_limb_t *)ptr; /* limb blocks: a word at a time */
        size_t k;
        for (k = 0; k < bytes / LIMB_BYTES; k++) w[k] = 0;
        return;
    }
    while (bytes-- > 0) *p++ = 0;
}

typedef struct {
    uint64_t mulmods;
    uint64_t words_read;
} ct_trace;

/* Work space of one thread. */
typedef struct {
    mp_limb_t *acc, *sel; /* w words each */
    mp_limb_t *prod;      /* 2n limbs: the product before reduction */
    mp_limb_t *low;       /* n+1 limbs: plain value of the result */
    mp_limb_t *tmp;       /* n limbs: value - m */
    mp_limb_t *itch;      /* scratch for ct_mul and ct_sqr */
    mp_limb_t *e;         /* the exponent, ne limbs */
    mp_limb_t *block;     /* the one allocation the others point into */
    size_t limbs;
} ct_space;

static int ct_space_init(ct_space *s, const bc_mod *M, size_t ne) {
    size_t n = M->n, w = M->w, itch = ct_mul_itch(n);
    memset(s, 0, sizeof(*s));
    /* n <= w, and a table of w-word entries exists, so these sums cannot overflow; check anyway */
    if (w > ((size_t)-1) / 16 || itch > ((size_t)-1) / 4 || ne > ((size_t)-1) / 4) return BC_ENOMEM;
    s->limbs = 2 * w + 2 * n + (n + 1) + n + itch + ne;
    s->block = alloc_limbs(s->limbs);
    if (s->block == NULL) return BC_ENOMEM;
    s->acc = s->block;
    s->sel = s->acc + w;
    s->prod = s->sel + w;
    s->low = s->prod + 2 * n;
    s->tmp = s->low + n + 1;
    s->itch = s->tmp + n;
    s->e = s->itch + itch;
    return BC_OK;
}

static void ct_space_free(ct_space *s) {
    if (s->block != NULL) wipe(s->block, s->limbs * LIMB_BYTES);
    free(s->block);
    s->block = NULL;
}

/* x (n limbs) plus top * 2^(64n) is below 2m: subtract m once when it is >= m, masked. */
static void ct_reduce_once(mp_limb_t *x, mp_limb_t top, const mp_limb_t *m, mp_limb_t *tmp,
                           size_t n) {
    mp_limb_t borrow = mpn_sub_n(tmp, x, m, (mp_size_t)n);
    mp_limb_t take = ct_opaque((mp_limb_t)0 - ((top | (borrow ^ 1)) & 1));
    size_t k;
    for (k = 0; k < n; k++) x[k] = (tmp[k] & take) | (x[k] & ~take);
}

/*
 * r = a * b / R mod m (odd m) with no value-dependent branch or address; a == b (the same
 * pointer, which is no secret) squares. r may alias a and b. On the mpn path, `next` (next_bytes
 * bytes, or NULL) is the table row scanned after this multiplication: its cache lines are
 * prefetched a few per row of the reduction, so that the row comes from memory while the
 * multiplication computes. Its address depends on the window's index only.
 */
static void mulmod_ct_next(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                           ct_space *s, ct_trace *tr, const void *next, size_t next_bytes) {
    size_t n = M->n;
    if (tr != NULL) tr->mulmods++;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_IFMA) {
        M->amm((uint64_t *)r, (const uint64_t *)a, (const uint64_t *)b, M->m52, M->k0);
        return;
    }
#endif
    {
        mp_limb_t *T = s->prod, carry;
        if (a == b) {
            ct_sqr(T, a, n, s->itch);
        } else {
            ct_mul(T, a, b, n, s->itch);
        }
        /* REDC as redc() in modulus.c, T[i] parking the carries, then a masked final subtraction;
         * with M->skip = k > 0 each row adds u (m + 1) / 2^(64k) from word i + k, which is u m
         * plus u: word i becomes 0 as in the full row (u = T[i], -1/m = 1 mod 2^64) */
        if (M->skip > 0) {
            ct_redc_rows(T, n, M->mtail, n - M->skip, M->skip, 1, next, next_bytes);
        } else {
            ct_redc_rows(T, n, M->m, n, 0, M->minv, next, next_bytes);
        }
        carry = mpn_add_n(r, T + n, T, (mp_size_t)n);
        ct_reduce_once(r, carry, M->m, s->tmp, n);
    }
}

static void mulmod_ct(const bc_mod *M, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
                      ct_space *s, ct_trace *tr) {
    mulmod_ct_next(M, r, a, b, s, tr, NULL, 0);
}

/* dst = row entry `digit` (M's 1 for digit 0), reading all of 1 and the row's `per` entries.
 * Eight words at a time, so that the accumulators stay in registers while the row streams past. */
static void ct_select_generic(mp_limb_t *restrict dst, const mp_limb_t *restrict one,
                              const mp_limb_t *restrict row, size_t per, size_t w,
                              mp_limb_t digit) {
    size_t k0, d, k;
    for (k0 = 0; k0 + 8 <= w; k0 += 8) {
        mp_limb_t acc[8];
        mp_limb_t mask = ct_eq_mask(0, digit);
        for (k = 0; k < 8; k++) acc[k] = one[k0 + k] & mask;
        for (d = 1; d <= per; d++) {
            const mp_limb_t *restrict entry = row + (d - 1) * w + k0;
            mask = ct_eq_mask((mp_limb_t)d, digit);
            for (k = 0; k < 8; k++) acc[k] |= entry[k] & mask;
        }
        for (k = 0; k < 8; k++) dst[k0 + k] = acc[k];
    }
    for (k = k0; k < w; k++) {
        mp_limb_t acc = one[k] & ct_eq_mask(0, digit);
        for (d = 1; d <= per; d++) acc |= row[(d - 1) * w + k] & ct_eq_mask((mp_limb_t)d, digit);
        dst[k] = acc;
    }
}

#ifdef BC_HAVE_IFMA
/* The same with AVX2 (mpn elements, where AVX-512 may be missing): 32 words (eight registers) at a
 * time, then 4, then word by word. */
static BC_AVX2_TARGET void ct_select_avx2(mp_limb_t *restrict dst, const mp_limb_t *restrict one,
                                          const mp_limb_t *restrict row, size_t per, size_t w,
                                          mp_limb_t digit) {
    size_t k0 = 0, d;
    int j;
    for (; k0 + 32 <= w; k0 += 32) {
        __m256i acc[8];
        __m256i mask = _mm256_set1_epi64x((long long)ct_eq_mask(0, digit));
        for (j = 0; j < 8; j++) {
            acc[j] = _mm256_and_si256(_mm256_loadu_si256((const void *)(one + k0 + 4 * j)), mask);
        }
        for (d = 1; d <= per; d++) {
            const mp_limb_t *entry = row + (d - 1) * w + k0;
            mask = _mm256_set1_epi64x((long long)ct_eq_mask((mp_limb_t)d, digit));
            for (j = 0; j < 8; j++) {
                __m256i v = _mm256_loadu_si256((const void *)(entry + 4 * j));
                acc[j] = _mm256_or_si256(acc[j], _mm256_and_si256(v, mask));
            }
        }
        for (j = 0; j < 8; j++) _mm256_storeu_si256((void *)(dst + k0 + 4 * j), acc[j]);
    }
    for (; k0 + 4 <= w; k0 += 4) {
        __m256i acc = _mm256_and_si256(_mm256_loadu_si256((const void *)(one + k0)),
                                       _mm256_set1_epi64x((long long)ct_eq_mask(0, digit)));
        for (d = 1; d <= per; d++) {
            __m256i mask = _mm256_set1_epi64x((long long)ct_eq_mask((mp_limb_t)d, digit));
            __m256i v = _mm256_loadu_si256((const void *)(row + (d - 1) * w + k0));
            acc = _mm256_or_si256(acc, _mm256_and_si256(v, mask));
        }
        _mm256_storeu_si256((void *)(dst + k0), acc);
    }
    for (; k0 < w; k0++) {
        mp_limb_t acc = one[k0] & ct_eq_mask(0, digit);
        for (d = 1; d <= per; d++) acc |= row[(d - 1) * w + k0] & ct_eq_mask((mp_limb_t)d, digit);
        dst[k0] = acc;
    }
}

/* The same with AVX-512 for IFMA elements of V vectors (w = 8V): the selection accumulates in
 * V registers while the row streams past. */
static inline __attribute__((always_inline)) BC_IFMA_TARGET void ct_select_body(
    uint64_t *dst, const uint64_t *one, const uint64_t *row, size_t per, uint64_t digit,
    const int V) {
    __m512i acc[BC_MAX_VECS];
    __m512i mask = _mm512_set1_epi64((long long)ct_eq_mask(0, digit));
    size_t d;
    int j;
    BC_UNROLL for (j = 0; j < V; j++) {
        acc[j] = _mm512_and_si512(_mm512_loadu_si512((const void *)(one + 8 * j)), mask);
    }
    for (d = 1; d <= per; d++) {
        const uint64_t *entry = row + (d - 1) * (size_t)(8 * V);
        mask = _mm512_set1_epi64((long long)ct_eq_mask((mp_limb_t)d, digit));
        /* acc | (entry & mask): truth table 0xF8 over (acc, entry, mask) */
        BC_UNROLL for (j = 0; j < V; j++) {
            acc[j] = _mm512_ternarylogic_epi64(
                acc[j], _mm512_loadu_si512((const void *)(entry + 8 * j)), mask, 0xF8);
        }
    }
    BC_UNROLL for (j = 0; j < V; j++) _mm512_storeu_si512((void *)(dst + 8 * j), acc[j]);
}

#define BC_DEFINE_SELECT(V)                                                                   \
    static BC_IFMA_TARGET void ct_select_##V(uint64_t *dst, const uint64_t *one,              \
                                             const uint64_t *row, size_t per, uint64_t digit) { \
        ct_select_body(dst, one, row, per, digit, V);                                         \
    }
BC_DEFINE_SELECT(1)
BC_DEFINE_SELECT(2)
BC_DEFINE_SELECT(3)
BC_DEFINE_SELECT(4)
BC_DEFINE_SELECT(5)
BC_DEFINE_SELECT(6)
BC_DEFINE_SELECT(7)
BC_DEFINE_SELECT(8)
BC_DEFINE_SELECT(9)
BC_DEFINE_SELECT(10)

typedef void (*bc_select_fn)(uint64_t *, const uint64_t *, const uint64_t *, size_t, uint64_t);
static bc_select_fn select_for(unsigned vecs) {
    static const bc_select_fn fns[BC_MAX_VECS] = {
        ct_select_1, ct_select_2, ct_select_3, ct_select_4, ct_select_5,
        ct_select_6, ct_select_7, ct_select_8, ct_select_9, ct_select_10};
    return vecs >= 1 && vecs <= BC_MAX_VECS ? fns[vecs - 1] : NULL;
}
#endif

static void ct_select(const bc_mod *M, mp_limb_t *dst, const mp_limb_t *row, size_t per,
                      unsigned digit, ct_trace *tr) {
    if (tr != NULL) tr->words_read += (uint64_t)(per + 1) * M->w;
#ifdef BC_HAVE_IFMA
    if (M->kind == BC_IFMA) {
        select_for(M->vecs)((uint64_t *)dst, (const uint64_t *)M->one, (const uint64_t *)row, per,
                            digit);
        return;
    }
    if (bc_cpu_avx2) {
        ct_select_avx2(dst, M->one, row, per, M->w, digit);
        return;
    }
#endif
    ct_select_generic(dst, M->one, row, per, M->w, digit);
}

/* Load an exponent and check it is below 2^exp_bits, without a branch on its bits. */
static int ct_load_exp(const bc_table *t, mp_limb_t *e, size_t ne, const uint8_t *src,
                       size_t len) {
    mp_limb_t excess = 0;
    size_t i;
    if (be_to_limbs(e, ne, src, len) != 0) return BC_EINVAL;
    for (i = 0; i < ne; i++) {
        size_t lo = i * LIMB_BITS;
        mp_limb_t allowed;
        if (t->exp_bits >= lo + LIMB_BITS) {
            allowed = ~(mp_limb_t)0;
        } else if (t->exp_bits <= lo) {
            allowed = 0;
        } else {
            allowed = ((mp_limb_t)1 << (t->exp_bits - lo)) - 1;
        }
        excess |= e[i] & ~allowed;
    }
    return excess == 0 ? BC_OK : BC_EINVAL;
}

/* Exponents of one table computed side by side, window by window: the row that the first one
 * scans (from memory, the table being larger than a core's cache) is then in the cache for the
 * others. How many: a number of the call's count only. */
#define CT_GROUP 4

/* s[k].acc (representation) = base^e_k for k < count: a selection and a multiplication per
 * window for each. */
static void table_pow_secret_limbs(const bc_table *t, ct_space *s, size_t count, size_t ne,
                                   ct_trace *tr) {
    size_t w = t->M.w, i, k;
    for (k = 0; k < count; k++) {
        ct_select(&t->M, s[k].acc, t->entries, t->per, get_bits(s[k].e, ne, 0, t->window), tr);
    }
    for (i = 1; i < t->nwin; i++) {
        const mp_limb_t *row = t->entries + i * t->per * w;
        const mp_limb_t *next = i + 1 < t->nwin ? row + t->per * w : NULL;
        for (k = 0; k < count; k++) {
            unsigned digit = get_bits(s[k].e, ne, i * t->window, t->window);
            ct_select(&t->M, s[k].sel, row, t->per, digit, tr);
            mulmod_ct_next(&t->M, s[k].acc, s[k].acc, s[k].sel, &s[k], tr, k == 0 ? next : NULL,
                           t->per * w * LIMB_BYTES);
        }
    }
}

/* Convert s->acc out of the representation, reduce it below m and store it, all masked. */
static int store_secret(const bc_mod *M, ct_space *s, uint8_t *out, size_t out_len,
                        ct_trace *tr) {
    size_t n = M->n;
    mulmod_ct(M, s->acc, s->acc, M->unit, s, tr);
    if (M->kind == BC_IFMA) {
        digits_to_limbs(s->low, n + 1, (const uint64_t *)s->acc, M->w); /* below 2m */
        ct_reduce_once(s->low, s->low[n], M->m, s->tmp, n);
    } else {
        memcpy(s->low, s->acc, n * LIMB_BYTES); /* REDC reduces fully */
    }
    return limbs_to_be(out, out_len, s->low, n);
}

typedef struct {
    const bc_table *t;
    const uint8_t *exps;
    size_t exp_len, out_len;
    uint8_t *out;
    ct_trace *trace;
} secret_many_ctx;

static int secret_many_job(void *arg, size_t start, size_t end) {
    secret_many_ctx *c = (secret_many_ctx *)arg;
    const bc_table *t = c->t;
    size_t ne = table_exp_limbs(t), spaces = end - start < CT_GROUP ? end - start : CT_GROUP;
    size_t i, k, count;
    ct_space s[CT_GROUP];
    int status = BC_OK, st;
    memset(s, 0, sizeof(s));
    for (k = 0; k < spaces && status == BC_OK; k++) status = ct_space_init(&s[k], &t->M, ne);
    for (i = start; i < end && status == BC_OK; i += count) {
        count = end - i < CT_GROUP ? end - i : CT_GROUP;
        for (k = 0; k < count && status == BC_OK; k++) {
            status = ct_load_exp(t, s[k].e, ne, c->exps + (i + k) * c->exp_len, c->exp_len);
        }
        if (status != BC_OK) break;
        table_pow_secret_limbs(t, s, count, ne, c->trace);
        for (k = 0; k < count; k++) {
            st = store_secret(&t->M, &s[k], c->out + (i + k) * c->out_len, c->out_len, c->trace);
            if (st != BC_OK) status = st;
        }
    }
    for (k = 0; k < spaces; k++) ct_space_free(&s[k]);
    return status;
}

int bc_table_pow_secret_traced(const bc_table *t, const uint8_t *exp, size_t exp_len,
                               uint8_t *out, size_t out_len, uint64_t *mulmods,
                               uint64_t *words_read) {
    secret_many_ctx c;
    ct_trace trace = {0, 0};
    int status;
    if (t == NULL || t->M.kind == BC_DIV || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    c.t = t;
    c.exps = exp;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    c.trace = (mulmods != NULL || words_read != NULL) ? &trace : NULL;
    status = secret_many_job(&c, 0, 1);
    if (mulmods != NULL) *mulmods = trace.mulmods;
    if (words_read != NULL) *words_read = trace.words_read;
    return status;
}

int bc_table_pow_secret(const bc_table *t, const uint8_t *exp, size_t exp_len, uint8_t *out,
                        size_t out_len) {
    return bc_table_pow_secret_traced(t, exp, exp_len, out, out_len, NULL, NULL);
}

int bc_table_pow_secret_many(const bc_table *t, const uint8_t *exps, size_t exp_len,
                             size_t count, uint8_t *out, size_t out_len, int nthreads) {
    secret_many_ctx c;
    if (t == NULL || t->M.kind == BC_DIV || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, count))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    c.t = t;
    c.exps = exps;
    c.exp_len = exp_len;
    c.out_len = out_len;
    c.out = out;
    c.trace = NULL;
    return run_jobs(secret_many_job, &c, count, nthreads);
}

/* ------------------------------------------------------------------------------------------ */
/* Variable-base exponentiation for secret exponents                                          */
/* ------------------------------------------------------------------------------------------ */

/*
 * Fixed-window exponentiation with the building blocks above. The base is public: its row of
 * powers base^1 .. base^(2^w - 1) is made with the ordinary multiplication. The exponent is read
 * as exp_len bytes, i.e. ne = ceil(exp_len / 8) words of enb = 64 ne bits, whatever its value
 * (the caller pads it to the width of the group order), and then, for every window from the
 * top: w squarings, a full masked scan of the row (1 for digit 0), one multiplication. The window
 * and so the whole sequence of operations and addresses depends on exp_len only; exponent 0 is
 * allowed and takes the same path. The conversion out of Montgomery form and the final
 * reduction are masked (store_secret).
 */

/* The window that minimises the multiplications: 2^w - 2 for the row, enb / w for the windows. */
static unsigned ct_pow_window(size_t enb) {
    unsigned w, best = 1;
    size_t best_cost = (size_t)-1;
    for (w = 1; w <= 6; w++) {
        size_t cost = ((size_t)1 << w) - 2 + (enb + w - 1) / w;
        if (cost < best_cost) {
            best_cost = cost;
            best = w;
        }
    }
    return best;
}

static int powmod_sec_run(const bc_mod *M, const uint8_t *base, size_t base_len,
                          const uint8_t *exp, size_t exp_len, uint8_t *out, size_t out_len,
                          ct_trace *tr) {
    size_t ne = exp_limbs_for(exp_len), enb = ne * LIMB_BITS, w = M->w, per, nwin, d, i;
    unsigned win = ct_pow_window(enb), k;
    mp_limb_t *row = NULL, *scr = NULL;
    ct_space s;
    int ok = 1, status = ct_space_init(&s, M, ne);
    per = ((size_t)1 << win) - 1;
    nwin = (enb + win - 1) / win;
    if (status == BC_OK) {
        row = alloc_limbs(mul_size(per, w, &ok));
        scr = alloc_limbs(scratch_limbs(M));
        if (!ok || row == NULL || scr == NULL) status = BC_ENOMEM;
    }
    if (status == BC_OK) {
        load_plain(M, row, base, base_len, scr);
        to_repr(M, row, scr);
        for (d = 1; d < per; d++) mulmod(M, row + d * w, row + (d - 1) * w, row, scr);
        be_to_limbs(s.e, ne, exp, exp_len); /* fits: ne words hold exp_len bytes */
        ct_select(M, s.acc, row, per, get_bits(s.e, ne, (nwin - 1) * win, win), tr);
        for (i = nwin - 1; i-- > 0;) {
            for (k = 0; k < win; k++) mulmod_ct(M, s.acc, s.acc, s.acc, &s, tr);
            ct_select(M, s.sel, row, per, get_bits(s.e, ne, i * win, win), tr);
            mulmod_ct(M, s.acc, s.acc, s.sel, &s, tr);
        }
        status = store_secret(M, &s, out, out_len, tr);
    }
    free(row);
    free(scr);
    ct_space_free(&s);
    return status;
}

int bc_powmod_sec_traced(const uint8_t *base, size_t base_len, const uint8_t *exp,
                         size_t exp_len, const uint8_t *mod, size_t mod_len, uint8_t *out,
                         size_t out_len, uint64_t *mulmods, uint64_t *words_read) {
    bc_mod M;
    ct_trace trace = {0, 0};
    int status;
    if (!packed_ok(base, base_len, 1) || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(mod, mod_len, 1) || !packed_ok(out, out_len, 1) ||
        exp_len > BC_MAX_EXP_BITS / 8)
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK && (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 1) <= 0)) status = BC_EINVAL;
    if (status == BC_OK) {
        status = powmod_sec_run(&M, base, base_len, exp, exp_len, out, out_len,
                                (mulmods != NULL || words_read != NULL) ? &trace : NULL);
    }
    mod_clear(&M);
    if (mulmods != NULL) *mulmods = trace.mulmods;
    if (words_read != NULL) *words_read = trace.words_read;
    return status;
}

int bc_powmod_sec(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                  const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    return bc_powmod_sec_traced(base, base_len, exp, exp_len, mod, mod_len, out, out_len, NULL,
                                NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Arithmetic mod q of the range proof, constant time in the vote and the values              */
/* ------------------------------------------------------------------------------------------ */

/*
 * Spec 2.0.0 eq. 44-48. Every value is n = limbs(q) words; products go through mpn_sec_mul and
 * every reduction through mpn_sec_div_r (GMP's side-channel silent division); carries through
 * mpn_add_n / mpn_sub_n / mpn_sec_add_1. The vote l selects by masks only: (l - j) mod q is
 * |l - j| or q - |l - j| chosen with a mask, and c_l is picked by a full masked scan. So the
 * instructions and addresses depend on count, len and q only. Values not below q are refused
 * with BC_EINVAL after all the work, from a flag collected without branches.
 */

typedef struct {
    size_t n;           /* limbs of q */
    mp_limb_t *q;       /* n limbs */
    mp_limb_t *a, *b;   /* n limbs each */
    mp_limb_t *chk;     /* n limbs: value - q, for the range check */
    mp_limb_t *wide;    /* 2n + 1 limbs */
    mp_limb_t *acc;     /* n + 1 limbs */
    mp_limb_t *tp;      /* GMP's scratch */
    mp_limb_t *block;
    size_t limbs;
    mp_limb_t bad;      /* non-zero once a value was not below q */
} q_space;

static int q_space_init(q_space *s, const uint8_t *q, size_t q_len, size_t len, size_t count) {
    mpz_t qz;
    size_t n, itch;
    mp_size_t i1, i2, i3;
    memset(s, 0, sizeof(*s));
    if (q_len > 0 && q == NULL) return BC_EINVAL;
    mpz_init(qz);
    be_to_mpz(qz, q, q_len);
    n = mpz_size(qz);
    /* q > count, so that |l - j| < q; values of len bytes must fit n limbs */
    if (n == 0 || mpz_cmp_ui(qz, (unsigned long)count) <= 0 || len > n * LIMB_BYTES ||
        n > ((size_t)-1) / 16) {
        mpz_clear(qz);
        return BC_EINVAL;
    }
    i1 = mpn_sec_mul_itch((mp_size_t)n, (mp_size_t)n);
    i2 = mpn_sec_div_r_itch((mp_size_t)(2 * n + 1), (mp_size_t)n);
    i3 = mpn_sec_add_1_itch((mp_size_t)(n + 1));
    itch = (size_t)(i1 > i2 ? (i1 > i3 ? i1 : i3) : (i2 > i3 ? i2 : i3)) + 1;
    s->n = n;
    s->limbs = n + 3 * n + (2 * n + 1) + (n + 1) + itch;
    s->block = alloc_limbs(s->limbs);
    if (s->block == NULL) {
        mpz_clear(qz);
        return BC_ENOMEM;
    }
    s->q = s->block;
    s->a = s->q + n;
    s->b = s->a + n;
    s->chk = s->b + n;
    s->wide = s->chk + n;
    s->acc = s->wide + 2 * n + 1;
    s->tp = s->acc + n + 1;
    memcpy(s->q, mpz_limbs_read(qz), n * LIMB_BYTES);
    mpz_clear(qz);
    return BC_OK;
}

static void q_space_free(q_space *s) {
    if (s->block != NULL) wipe(s->block, s->limbs * LIMB_BYTES);
    free(s->block);
    s->block = NULL;
}

/* dst (n limbs) = a value of len bytes; notes in s->bad, without a branch, when it is not < q. */
static void q_load(q_space *s, mp_limb_t *dst, const uint8_t *src, size_t len) {
    be_to_limbs(dst, s->n, src, len); /* fits: len <= n words */
    s->bad |= mpn_sub_n(s->chk, dst, s->q, (mp_size_t)s->n) ^ 1; /* no borrow: dst >= q */
}

/* r (n limbs) = x mod q for x of xn limbs (destroyed); r may be x. */
static void q_reduce(q_space *s, mp_limb_t *r, mp_limb_t *x, size_t xn) {
    mpn_sec_div_r(x, (mp_size_t)xn, s->q, (mp_size_t)s->n, s->tp);
    if (r != x) memcpy(r, x, s->n * LIMB_BYTES);
}

/* r = a * b mod q (a, b < q); r may alias either. */
static void q_mul(q_space *s, mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b) {
    size_t n = s->n;
    mpn_sec_mul(s->wide, a, (mp_size_t)n, b, (mp_size_t)n, s->tp);
    q_reduce(s, r, s->wide, 2 * n);
}

/* dst = (keep ? x : y) limb by limb, keep an all-ones or all-zeros mask. */
static void ct_choose(mp_limb_t *dst, const mp_limb_t *x, const mp_limb_t *y, size_t n,
                      mp_limb_t keep) {
    size_t k;
    for (k = 0; k < n; k++) dst[k] = (x[k] & keep) | (y[k] & ~keep);
}

static int q_store(q_space *s, uint8_t *out, size_t out_len, const mp_limb_t *x) {
    return limbs_to_be(out, out_len, x, s->n);
}

int bc_range_exponents(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *q, size_t q_len, uint8_t *out,
                       size_t out_len) {
    q_space s;
    size_t j, n;
    int status = BC_OK, st;
    if (!packed_ok(us, len, count) || !packed_ok(cs, len, count) ||
        !packed_ok(out, out_len, count) || count == 0 || count > 65536 || vote >= count)
        return BC_EINVAL;
    status = q_space_init(&s, q, q_len, len, count);
    if (status != BC_OK) return status;
    n = s.n;
    for (j = 0; j < count; j++) {
        /* f = (l - j) mod q: |l - j| or q - |l - j|, by the sign's mask (l, j < 2^16) */
        mp_limb_t diff = (mp_limb_t)vote - (mp_limb_t)j;
        mp_limb_t neg = ct_opaque((mp_limb_t)0 - (diff >> (LIMB_BITS - 1)));
        mp_limb_t mag = (diff ^ neg) - neg, carry;
        memset(s.a, 0, n * LIMB_BYTES);
        s.a[0] = mag;
        mpn_sub_n(s.b, s.q, s.a, (mp_size_t)n);
        ct_choose(s.a, s.b, s.a, n, neg);
        q_load(&s, s.b, cs + j * len, len);
        mpn_sec_mul(s.wide, s.b, (mp_size_t)n, s.a, (mp_size_t)n, s.tp); /* c_j f < q^2 */
        q_load(&s, s.b, us + j * len, len);
        carry = mpn_add_n(s.wide, s.wide, s.b, (mp_size_t)n);
        mpn_sec_add_1(s.wide + n, s.wide + n, (mp_size_t)n, carry, s.tp); /* < q^2 + q: no carry out */
        q_reduce(&s, s.wide, s.wide, 2 * n);
        st = q_store(&s, out + j * out_len, out_len, s.wide);
        if (st != BC_OK) status = st;
    }
    if (s.bad) status = BC_EINVAL;
    q_space_free(&s);
    return status;
}

int bc_range_responses(const uint8_t *us, const uint8_t *cs, size_t len, size_t count,
                       unsigned vote, const uint8_t *challenge, const uint8_t *nonce,
                       const uint8_t *q, size_t q_len, uint8_t *out_c, uint8_t *out_v,
                       size_t out_len) {
    q_space s;
    size_t j, n;
    mp_limb_t *c_vote = NULL, *xi = NULL, *c_new = NULL;
    int status = BC_OK, st;
    if (!packed_ok(us, len, count) || !packed_ok(cs, len, count) ||
        !packed_ok(challenge, len, 1) || !packed_ok(nonce, len, 1) ||
        !packed_ok(out_c, out_len, count) || !packed_ok(out_v, out_len, count) || count == 0 ||
        count > 65536 || vote >= count)
        return BC_EINVAL;
    status = q_space_init(&s, q, q_len, len, count);
    if (status != BC_OK) return status;
    n = s.n;
    c_vote = alloc_limbs(n);
    xi = alloc_limbs(n);
    c_new = alloc_limbs(n + 1);
    if (c_vote == NULL || xi == NULL || c_new == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    /* acc = sum of every c_j (n + 1 limbs), c_vote = c_l by a masked scan */
    memset(s.acc, 0, (n + 1) * LIMB_BYTES);
    memset(c_vote, 0, n * LIMB_BYTES);
    for (j = 0; j < count; j++) {
        mp_limb_t keep = ct_eq_mask((mp_limb_t)j, (mp_limb_t)vote);
        size_t k;
        q_load(&s, s.a, cs + j * len, len);
        s.acc[n] += mpn_add_n(s.acc, s.acc, s.a, (mp_size_t)n);
        for (k = 0; k < n; k++) c_vote[k] |= s.a[k] & keep;
    }
    q_reduce(&s, s.acc, s.acc, n + 1);
    /* c_l = c - (sum - c_l) = c + c_l + q - sum mod q, eq. 47: below 3q, in n + 1 limbs */
    q_load(&s, s.a, challenge, len);
    c_new[n] = mpn_add_n(c_new, s.a, c_vote, (mp_size_t)n);
    c_new[n] += mpn_add_n(c_new, c_new, s.q, (mp_size_t)n);
    {
        mp_limb_t borrow = mpn_sub_n(c_new, c_new, s.acc, (mp_size_t)n);
        c_new[n] -= borrow;
    }
    q_reduce(&s, c_new, c_new, n + 1);
    q_load(&s, xi, nonce, len);
    for (j = 0; j < count; j++) {
        mp_limb_t keep = ct_eq_mask((mp_limb_t)j, (mp_limb_t)vote);
        q_load(&s, s.a, cs + j * len, len);
        ct_choose(s.a, c_new, s.a, n, keep);
        st = q_store(&s, out_c + j * out_len, out_len, s.a);
        if (st != BC_OK) status = st;
        /* v_j = u_j - c_j xi = u_j + q - (c_j xi mod q) mod q, eq. 48 */
        q_mul(&s, s.b, s.a, xi);
        q_load(&s, s.a, us + j * len, len);
        s.acc[n] = mpn_add_n(s.acc, s.a, s.q, (mp_size_t)n);
        s.acc[n] -= mpn_sub_n(s.acc, s.acc, s.b, (mp_size_t)n);
        q_reduce(&s, s.acc, s.acc, n + 1);
        st = q_store(&s, out_v + j * out_len, out_len, s.acc);
        if (st != BC_OK) status = st;
    }
    if (s.bad) status = BC_EINVAL;
done:
    if (c_vote != NULL) wipe(c_vote, n * LIMB_BYTES);
    if (xi != NULL) wipe(xi, n * LIMB_BYTES);
    if (c_new != NULL) wipe(c_new, (n + 1) * LIMB_BYTES);
    free(c_vote);
    free(xi);
    free(c_new);
    q_space_free(&s);
    return status;
}
