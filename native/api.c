/*
 * Ballotchain native backend: the exported variable-time functions of ballotchain_native.h that
 * take a modulus per call: bc_powmod, bc_powmod_many, bc_powmod_same_base, bc_multi_powmod,
 * bc_multi_powmod_qr, bc_prod_mod, bc_batch_in_subgroup. Their time and memory accesses depend on
 * the exponents.
 */
#include "bc_internal.h"

#ifndef BC_GMP_SOURCE
#define BC_GMP_SOURCE "system"
#endif

const char *bc_gmp_source(void) { return BC_GMP_SOURCE; }

const char *bc_gmp_version(void) { return gmp_version; }

/* ------------------------------------------------------------------------------------------ */
/* Single exponentiations                                                                     */
/* ------------------------------------------------------------------------------------------ */

static int powmod_fast(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                       const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *b = NULL, *acc = NULL, *e = NULL;
    size_t ne = 0;
    int status = mod_init(&M, mod, mod_len);
    if (status == BC_OK) {
        scr = alloc_limbs(scratch_limbs(&M));
        b = alloc_limbs(M.w);
        acc = alloc_limbs(M.w);
        e = load_exps(exp, exp_len, 1, &ne);
        if (scr == NULL || b == NULL || acc == NULL || e == NULL) {
            status = BC_ENOMEM;
        } else {
            status = ctx_powmod(&M, base, base_len, e, ne, out, out_len, b, acc, scr);
        }
    }
    free(scr);
    free(b);
    free(acc);
    free(e);
    mod_clear(&M);
    return status;
}

static int powmod_impl(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
                       const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    mpz_t b, e, m, r;
    int status;
    if (!packed_ok(base, base_len, 1) || !packed_ok(exp, exp_len, 1) ||
        !packed_ok(mod, mod_len, 1) || !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    mpz_inits(b, e, m, r, NULL);
    be_to_mpz(m, mod, mod_len);
    if (mpz_sgn(m) == 0) {
        status = BC_EINVAL;
    } else if (mpz_odd_p(m) && mpz_cmp_ui(m, 1) > 0 && bc_ifma_available()) {
        status = powmod_fast(base, base_len, exp, exp_len, mod, mod_len, out, out_len);
    } else {
        be_to_mpz(b, base, base_len);
        be_to_mpz(e, exp, exp_len);
        mpz_powm(r, b, e, m);
        status = mpz_to_be(out, out_len, r);
    }
    mpz_clears(b, e, m, r, NULL);
    return status;
}

int bc_powmod(const uint8_t *base, size_t base_len, const uint8_t *exp, size_t exp_len,
              const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    return powmod_impl(base, base_len, exp, exp_len, mod, mod_len, out, out_len);
}

typedef struct {
    const uint8_t *bases, *exps;
    size_t base_len, exp_len, out_len;
    const bc_mod *M;
    uint8_t *out;
} powmod_many_ctx;

static int powmod_many_job(void *arg, size_t start, size_t end) {
    powmod_many_ctx *c = (powmod_many_ctx *)arg;
    const bc_mod *M = c->M;
    size_t i, ne = exp_limbs_for(c->exp_len);
    int status = BC_OK;
    if (M->kind == BC_IFMA) {
        mp_limb_t *scr = alloc_limbs(scratch_limbs(M));
        mp_limb_t *b = alloc_limbs(M->w), *acc = alloc_limbs(M->w), *e = alloc_limbs(ne);
        if (scr == NULL || b == NULL || acc == NULL || e == NULL) status = BC_ENOMEM;
        for (i = start; i < end && status == BC_OK; i++) {
            be_to_limbs(e, ne, c->exps + i * c->exp_len, c->exp_len);
            status = ctx_powmod(M, c->bases + i * c->base_len, c->base_len, e, ne,
                                c->out + i * c->out_len, c->out_len, b, acc, scr);
        }
        free(scr);
        free(b);
        free(acc);
        free(e);
    } else {
        mpz_t b, e, r;
        mpz_inits(b, e, r, NULL);
        for (i = start; i < end && status == BC_OK; i++) {
            be_to_mpz(b, c->bases + i * c->base_len, c->base_len);
            be_to_mpz(e, c->exps + i * c->exp_len, c->exp_len);
            mpz_powm(r, b, e, M->mz);
            status = mpz_to_be(c->out + i * c->out_len, c->out_len, r);
        }
        mpz_clears(b, e, r, NULL);
    }
    return status;
}

int bc_powmod_many(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                   size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len,
                   int nthreads) {
    bc_mod M;
    powmod_many_ctx c;
    int status;
    if (!packed_ok(bases, base_len, count) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, count) || !packed_ok(mod, mod_len, 1))
        return BC_EINVAL;
    if (nthreads < 1 || nthreads > BC_MAX_THREADS) return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK) {
        c.bases = bases;
        c.exps = exps;
        c.base_len = base_len;
        c.exp_len = exp_len;
        c.out_len = out_len;
        c.M = &M;
        c.out = out;
        status = run_jobs(powmod_many_job, &c, count, nthreads);
    }
    mod_clear(&M);
    return status;
}

int bc_powmod_same_base(const uint8_t *base, size_t base_len, const uint8_t *exps, size_t exp_len,
                        size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out,
                        size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *x = NULL, *e = NULL, *outs = NULL;
    size_t ne = 0, i;
    int status, ok = 1;
    if (!packed_ok(base, base_len, 1) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, count) || !packed_ok(mod, mod_len, 1))
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK && (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 1) == 0)) {
        mod_clear(&M);
        for (i = 0; i < count && status == BC_OK; i++)
            status = powmod_impl(base, base_len, exps + i * exp_len, exp_len, mod, mod_len,
                                 out + i * out_len, out_len);
        return status;
    }
    if (status == BC_OK && count > 0) {
        scr = alloc_limbs(scratch_limbs(&M));
        x = alloc_limbs(M.w);
        outs = alloc_limbs(mul_size(count, M.w, &ok));
        e = load_exps(exps, exp_len, count, &ne);
        if (!ok || scr == NULL || x == NULL || outs == NULL || e == NULL) {
            status = BC_ENOMEM;
        } else {
            load_plain(&M, x, base, base_len, scr);
            to_repr(&M, x, scr);
            status = same_base_pow(&M, x, e, ne, count, outs, scr);
            for (i = 0; i < count && status == BC_OK; i++)
                status = store_repr(&M, out + i * out_len, out_len, outs + i * M.w, scr);
        }
    }
    free(scr);
    free(x);
    free(outs);
    free(e);
    mod_clear(&M);
    return status;
}

/*
 * out = prod bases[i]^exps[i] mod M (already initialised); with all_qr, *all_qr = 1 when every base
 * is a quadratic residue as well (straus_qr).
 */
static int multi_powmod_with(const bc_mod *M, const uint8_t *bases, size_t base_len,
                             const uint8_t *exps, size_t exp_len, size_t count, uint8_t *out,
                             size_t out_len, int *all_qr) {
    mp_limb_t *scr = alloc_limbs(scratch_limbs(M)), *acc = alloc_limbs(M->w);
    mp_limb_t *b = NULL, *e = NULL;
    size_t ne = 0;
    int status = BC_ENOMEM;
    if (scr != NULL && acc != NULL) {
        b = load_bases(M, bases, base_len, count, scr);
        e = load_exps(exps, exp_len, count, &ne);
    }
    if (b != NULL && e != NULL) {
        memcpy(acc, M->one, M->w * LIMB_BYTES);
        status = straus_qr(M, b, e, ne, count, acc, scr, all_qr);
        if (status == BC_OK) status = store_repr(M, out, out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(b);
    free(e);
    return status;
}

int bc_multi_powmod(const uint8_t *bases, size_t base_len, const uint8_t *exps, size_t exp_len,
                    size_t count, const uint8_t *mod, size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    int status;
    if (!packed_ok(bases, base_len, count) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK)
        status = multi_powmod_with(&M, bases, base_len, exps, exp_len, count, out, out_len, NULL);
    mod_clear(&M);
    return status;
}

int bc_multi_powmod_qr(const uint8_t *bases, size_t base_len, const uint8_t *exps,
                       size_t exp_len, size_t count, const uint8_t *mod, size_t mod_len,
                       uint8_t *out, size_t out_len, int *all_qr) {
    bc_mod M;
    int status;
    if (all_qr == NULL) return BC_EINVAL;
    *all_qr = 0;
    if (!packed_ok(bases, base_len, count) || !packed_ok(exps, exp_len, count) ||
        !packed_ok(out, out_len, 1))
        return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status == BC_OK && (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 1) == 0)) status = BC_EINVAL;
    if (status == BC_OK)
        status =
            multi_powmod_with(&M, bases, base_len, exps, exp_len, count, out, out_len, all_qr);
    mod_clear(&M);
    return status;
}

int bc_prod_mod(const uint8_t *values, size_t value_len, size_t count, const uint8_t *mod,
                size_t mod_len, uint8_t *out, size_t out_len) {
    bc_mod M;
    mp_limb_t *scr = NULL, *acc = NULL, *v = NULL;
    size_t i;
    int status;
    if (!packed_ok(values, value_len, count) || !packed_ok(out, out_len, 1)) return BC_EINVAL;
    status = mod_init(&M, mod, mod_len);
    if (status != BC_OK) {
        mod_clear(&M);
        return status;
    }
    scr = alloc_limbs(scratch_limbs(&M));
    acc = alloc_limbs(M.w);
    v = alloc_limbs(M.w);
    if (scr == NULL || acc == NULL || v == NULL) {
        status = BC_ENOMEM;
    } else if (count == 0) {
        status = store_repr(&M, out, out_len, M.one, scr);
    } else {
        /* Multiply the plain values with mulmod directly. With Montgomery reduction every step
         * divides by R, so after count-1 steps acc = prod * R^-(count-1); one more mulmod with
         * R^count mod m (computed with a short mpz_powm) gives prod itself. */
        load_plain(&M, acc, values, value_len, scr);
        for (i = 1; i < count; i++) {
            load_plain(&M, v, values + i * value_len, value_len, scr);
            mulmod(&M, acc, acc, v, scr);
        }
        if (M.kind != BC_DIV) {
            mpz_t rc, cz;
            mpz_inits(rc, cz, NULL);
            mpz_import(cz, 1, -1, sizeof(size_t), 0, 0, &count);
            mpz_powm(rc, M.rz, cz, M.mz); /* R^count mod m */
            elem_from_mpz(&M, v, rc, SCR_LIMBS(&M, scr));
            mpz_clears(rc, cz, NULL);
            mulmod(&M, acc, acc, v, scr);
        }
        status = store_plain(&M, out, out_len, acc, scr);
    }
    free(scr);
    free(acc);
    free(v);
    mod_clear(&M);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Batched subgroup membership                                                                */
/* ------------------------------------------------------------------------------------------ */

int bc_batch_in_subgroup(const uint8_t *values, size_t value_len, size_t count, const uint8_t *p,
                         size_t p_len, const uint8_t *q, size_t q_len, const uint8_t *rand,
                         size_t rand_len, int *result) {
    bc_mod M;
    mp_limb_t *scr = NULL, *acc = NULL, *b = NULL, *e = NULL, *qe = NULL, *x = NULL, *y = NULL;
    size_t i, n, w, ne = 0, nq = 0;
    int status, member = 1, ok = 1;

    if (result == NULL) return BC_EINVAL;
    *result = 0;
    if (!packed_ok(values, value_len, count) || !packed_ok(q, q_len, 1) ||
        !packed_ok(rand, rand_len, count) || rand_len > 32)
        return BC_EINVAL;
    status = mod_init(&M, p, p_len);
    if (status != BC_OK) {
        mod_clear(&M);
        return status;
    }
    if (M.kind == BC_DIV || mpz_cmp_ui(M.mz, 2) <= 0) { /* p must be odd and > 2 */
        mod_clear(&M);
        return BC_EINVAL;
    }
    n = M.n;
    w = M.w;
    qe = load_exps(q, q_len, 1, &nq);
    scr = alloc_limbs(scratch_limbs(&M));
    acc = alloc_limbs(w);
    y = alloc_limbs(w);
    x = alloc_limbs(n);
    b = alloc_limbs(mul_size(count, w, &ok));
    if (!ok || qe == NULL || scr == NULL || acc == NULL || y == NULL || x == NULL || b == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    if (limbs_bitlen(qe, nq) == 0) {
        status = BC_EINVAL;
        goto done;
    }
    /* 0 < x < p for each x, stopping at the first failure. */
    for (i = 0; i < count; i++) {
        if (be_to_limbs(x, n, values + i * value_len, value_len) != 0 ||
            mpn_cmp(x, M.m, (mp_size_t)n) >= 0 || limbs_bitlen(x, n) == 0) {
            member = 0;
            break;
        }
        elem_from_limbs(&M, b + i * w, x);
        to_repr(&M, b + i * w, scr);
    }
    if (!member || count == 0) {
        status = BC_OK;
        goto done;
    }
    /* y = prod x_i^r_i with (x_i|p) = 1 for every x_i (straus_qr: the symbol of each x, or parity
     * tests over the random exponents' bits), then y^q must be 1. */
    e = load_exps(rand, rand_len, count, &ne);
    if (e == NULL) {
        status = BC_ENOMEM;
        goto done;
    }
    memcpy(y, M.one, w * LIMB_BYTES);
    status = straus_qr(&M, b, e, ne, count, y, scr, &member);
    if (status != BC_OK || !member) goto done;
    memcpy(acc, M.one, w * LIMB_BYTES);
    status = straus_chunk(&M, y, qe, nq, 1, acc, scr);
    if (status != BC_OK) goto done;
    from_repr(&M, acc, scr);
    {
        const mp_limb_t *limbs = plain_limbs(&M, acc, scr);
        member = limbs[0] == 1 && limbs_bitlen(limbs, n) == 1;
    }
    status = BC_OK;
done:
    if (status == BC_OK) *result = member;
    free(scr);
    free(acc);
    free(b);
    free(e);
    free(qe);
    free(x);
    free(y);
    mod_clear(&M);
    return status;
}
