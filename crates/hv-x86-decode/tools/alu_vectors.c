/*
 * Test-vector generator for hv-x86-decode's `alu`: runs ADD, OR, ADC, SBB,
 * AND, SUB, XOR, CMP and TEST on this (x86-64) machine's CPU for operand
 * pairs at each size and prints Rust table rows (op, size, carry in, left,
 * right, result, RFLAGS & (CF|PF|AF|ZF|SF|OF)).
 *
 * Not part of the build or the tests: run by hand, and the output is
 * committed as literal data in src/vectors/alu.rs (see tools/README.md).
 *
 *   cc -O1 -mno-red-zone -o /tmp/alu_vectors tools/alu_vectors.c && /tmp/alu_vectors
 */
#include <stdint.h>
#include <stdio.h>

#define FLAGS_MASK 0x8D5u /* OF SF ZF AF PF CF */

/* One instruction at one size; CF is loaded from `cf` first (BT). The
 * result of CMP and TEST is the unchanged left operand, so the generator
 * takes their value column from SUB and AND. */
#define DEFINE(name, insn, type, cons)                                                     \
    static void name(uint64_t l, uint64_t r, int cf, uint64_t *res, uint64_t *flags) {    \
        type a = (type)l, b = (type)r;                                                     \
        uint64_t f, c = (uint64_t)cf;                                                      \
        __asm__ volatile("btq $0, %[c]\n\t" insn " %[b], %[a]\n\t"                         \
                         "pushfq\n\tpopq %[f]"                                             \
                         : [a] "+" cons(a), [f] "=&r"(f)                                   \
                         : [b] cons(b), [c] "r"(c)                                         \
                         : "cc");                                                          \
        *res = (uint64_t)a;                                                                \
        *flags = f & FLAGS_MASK;                                                           \
    }

#define DEFINE_SIZES(op)                       \
    DEFINE(op##_b, #op "b", uint8_t, "q")      \
    DEFINE(op##_w, #op "w", uint16_t, "r")     \
    DEFINE(op##_l, #op "l", uint32_t, "r")     \
    DEFINE(op##_q, #op "q", uint64_t, "r")

DEFINE_SIZES(add)
DEFINE_SIZES(or)
DEFINE_SIZES(adc)
DEFINE_SIZES(sbb)
DEFINE_SIZES(and)
DEFINE_SIZES(sub)
DEFINE_SIZES(xor)
DEFINE_SIZES(cmp)
DEFINE_SIZES(test)

typedef void (*fn)(uint64_t, uint64_t, int, uint64_t *, uint64_t *);

struct op {
    const char *name;
    fn by_size[4];
    fn value_from[4]; /* for CMP/TEST: the instruction whose result is the value */
    int carries;      /* 2: run with CF = 0 and CF = 1 */
};

#define OP(n, N, carries) { N, { n##_b, n##_w, n##_l, n##_q }, { n##_b, n##_w, n##_l, n##_q }, carries }

static uint64_t state = 0x9E3779B97F4A7C15u;
static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

int main(void) {
    struct op ops[] = {
        OP(add, "Add", 1), OP(or, "Or", 1), OP(adc, "Adc", 2), OP(sbb, "Sbb", 2), OP(and, "And", 1),
        OP(sub, "Sub", 1), OP(xor, "Xor", 1), OP(cmp, "Cmp", 1), OP(test, "Test", 1),
    };
    ops[7].value_from[0] = sub_b, ops[7].value_from[1] = sub_w, ops[7].value_from[2] = sub_l, ops[7].value_from[3] = sub_q;
    ops[8].value_from[0] = and_b, ops[8].value_from[1] = and_w, ops[8].value_from[2] = and_l, ops[8].value_from[3] = and_q;
    const char *sizes[] = { "Byte", "Word", "Dword", "Qword" };
    const int bits[] = { 8, 16, 32, 64 };

    for (unsigned o = 0; o < sizeof ops / sizeof ops[0]; o++) {
        for (int s = 0; s < 4; s++) {
            uint64_t mask = bits[s] == 64 ? ~0ull : (1ull << bits[s]) - 1;
            uint64_t min_neg = 1ull << (bits[s] - 1), max_pos = min_neg - 1;
            uint64_t pairs[12][2] = {
                { 0, 0 }, { 1, mask }, { max_pos, 1 }, { min_neg, 1 }, { min_neg, min_neg }, { mask, mask },
                { 0x0F, 0x01 }, { 0, 1 },
            };
            for (int p = 8; p < 12; p++) {
                pairs[p][0] = next() & mask;
                pairs[p][1] = next() & mask;
            }
            for (int carry = 0; carry < ops[o].carries; carry++) {
                for (int p = 0; p < 12; p++) {
                    uint64_t value, flags, ignored;
                    ops[o].by_size[s](pairs[p][0], pairs[p][1], carry, &ignored, &flags);
                    ops[o].value_from[s](pairs[p][0], pairs[p][1], carry, &value, &ignored);
                    printf("    (%s, %s, %s, 0x%llx, 0x%llx, 0x%llx, 0x%03llx),\n", ops[o].name, sizes[s],
                           carry ? "true" : "false", (unsigned long long)pairs[p][0], (unsigned long long)pairs[p][1],
                           (unsigned long long)(value & mask), (unsigned long long)flags);
                }
            }
        }
    }
    return 0;
}
