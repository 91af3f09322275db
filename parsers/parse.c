/* parse.c - the message language (product.md section 1): segments, keywords and arguments. */
#include "parse.h"

#include <string.h>
#include <utf8proc.h>

#include "keyword.h"
#include "money.h"

#define SEG_CAP 1024  /* normalised bytes kept per command; the rest of a long line is ignored */
#define TOKENS_MAX 48 /* argument tokens looked at per command */
#define GLUE_CAP 64   /* bytes of an amount written with spaces ("Rp 1 jt 250 rb") */
#define BODY_SKIP " \t\r\n;#*:,.-"

/* One command's text, normalised: NFKC, case folded, accents stripped, spaces collapsed. */
struct seg {
    char buf[SEG_CAP];
    size_t off[SEG_CAP]; /* offset in the original text of the code point each byte came from */
    size_t len;
    size_t orig_start, orig_end; /* the command's range in the original text */
    bool content;                /* a letter, digit or '?' was seen */
    bool visible;                /* anything but white space was seen (emoji, punctuation) */
};

struct token {
    const char *s;
    size_t len;
    size_t start; /* offset in seg->buf */
    bool hash;    /* written as "#CODE" after a space */
    bool used;    /* consumed by an amount or a field */
    bool neg;     /* a number written with a minus sign after a space: "TABUNG -10rb" */
};

struct args {
    struct token tok[TOKENS_MAX];
    int n;
};

/* State of one parse_message call. */
struct parser {
    const char *text;
    size_t len;
    struct parse_result *out;
    struct seg seg;
    size_t body_start; /* original offset where the last broadcast's body starts */
    bool body_full;    /* and its body is full: continuation lines change nothing */
    char pending_target[sizeof(((struct parse_command *)0)->target)]; /* target of a broadcast whose
                                                                         body has not started yet */
    struct token more_refs[PARSE_MAX_COMMANDS]; /* further codes of the last KONFIRM */
    int n_more_refs;
    bool any_visible;
    bool done;
};

#define PARSE_NAME(id, name) name,
static const char *const parse_cmd_names[] = {PARSE_CMD_MAP(PARSE_NAME)};
static const char *const parse_error_names[] = {PARSE_ERROR_MAP(PARSE_NAME)};
#undef PARSE_NAME

const char *parse_cmd_name(enum parse_cmd cmd)
{
    if ((unsigned)cmd >= PARSE_CMD_COUNT)
        return "";
    return parse_cmd_names[cmd];
}

const char *parse_error_name(enum parse_error err)
{
    if ((unsigned)err >= PARSE_ERR_COUNT)
        return "";
    return parse_error_names[err];
}

/* ---- small character helpers ---- */

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || c >= 0x80;
}

static bool is_alnum(unsigned char c)
{
    return is_digit(c) || is_letter(c);
}

static bool has_digit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (is_digit((unsigned char)s[i]))
            return true;
    return false;
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_digit((unsigned char)s[i]))
            return false;
    return true;
}

static bool word_is(const struct token *t, const char *w)
{
    size_t l = strlen(w);
    return t->len == l && memcmp(t->s, w, l) == 0;
}

/* Length of the longest prefix of s (at most max bytes) that ends on a UTF-8 boundary. */
static size_t utf8_fit(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* ---- normalisation ---- */

static void seg_reset(struct seg *g, size_t orig_start)
{
    g->len = 0;
    g->orig_start = orig_start;
    g->orig_end = orig_start;
    g->content = false;
    g->visible = false;
}

static void seg_space(struct seg *g, size_t off)
{
    if (g->len > 0 && g->len < SEG_CAP && g->buf[g->len - 1] != ' ') {
        g->buf[g->len] = ' ';
        g->off[g->len] = off;
        g->len++;
    }
}

static void seg_bytes(struct seg *g, const char *b, size_t n, size_t off)
{
    if (g->len + n > SEG_CAP)
        return;
    for (size_t i = 0; i < n; i++) {
        g->buf[g->len] = b[i];
        g->off[g->len] = off;
        g->len++;
    }
}

static void parser_close_segment(struct parser *p, size_t end);

/* One normalised code point (after NFKC, case folding, stripping marks). */
static void norm_emit(struct parser *p, utf8proc_int32_t cp, size_t off, size_t next)
{
    struct seg *g = &p->seg;
    if (cp < 0x80) {
        unsigned char c = (unsigned char)cp;
        if (c == '\n' || c == '\r' || c == ';' || c == '\v' || c == '\f') {
            parser_close_segment(p, off);
            seg_reset(g, next);
            return;
        }
        if (c <= ' ' || c == 0x7f) {
            seg_space(g, off);
            return;
        }
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + 'a' - 'A');
        g->visible = true;
        if (is_alnum(c) || c == '?')
            g->content = true;
        char ch = (char)c;
        seg_bytes(g, &ch, 1, off);
        return;
    }
    if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
        parser_close_segment(p, off);
        seg_reset(g, next);
        return;
    }
    if (cp == 0xD7 || cp == 0x2715 || cp == 0x2716 || cp == 0x2A2F) {
        /* multiplication signs, emoji ones too: 3×15rb, 3✖️15rb */
        norm_emit(p, 'x', off, next);
        return;
    }
    if (cp == 0x2044 || cp == 0x2215) { /* fraction slashes (from ½): a slash, see args_split */
        norm_emit(p, '/', off, next);
        return;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: {
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);
        g->visible = true;
        g->content = true;
        seg_bytes(g, (const char *)enc, (size_t)n, off);
        return;
    }
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_CF:
        return; /* accents left over, zero-width characters */
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_CC:
        seg_space(g, off);
        return;
    default: /* emoji, symbols, quotes: they separate words */
        g->visible = true;
        seg_space(g, off);
        return;
    }
}

static void norm_codepoint(struct parser *p, utf8proc_int32_t cp, size_t off, size_t next)
{
    if (cp == 0x200B) { /* zero width space: a word break, unlike the joiners */
        seg_space(&p->seg, off);
        return;
    }
    utf8proc_int32_t d[32];
    int boundclass = 0;
    utf8proc_ssize_t n =
        utf8proc_decompose_char(cp, d, 32,
                                UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
                                    UTF8PROC_LUMP | UTF8PROC_IGNORE | UTF8PROC_DECOMPOSE,
                                &boundclass);
    if (n < 0 || n > 32) {
        p->seg.visible = true;
        seg_space(&p->seg, off);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < n && !p->done; i++)
        norm_emit(p, d[i], off, next);
}

/* ---- arguments ---- */

static bool tok_trim_char(unsigned char c)
{
    return c == '.' || c == ',' || c == '-' || c == ':' || c == '\'';
}

/* Splits buf[from..len) into tokens: spaces, '#', '*' and stray punctuation separate; '@'
 * stands alone; . , - : ' are kept inside a token but trimmed from its ends. */
static void args_split(const struct seg *g, size_t from, struct args *a)
{
    a->n = 0;
    size_t i = from;
    while (i < g->len && a->n < TOKENS_MAX) {
        unsigned char c = (unsigned char)g->buf[i];
        if (c == '@') {
            struct token *t = &a->tok[a->n++];
            memset(t, 0, sizeof(*t));
            t->s = g->buf + i;
            t->len = 1;
            t->start = i;
            i++;
            continue;
        }
        if (!is_alnum(c) && !tok_trim_char(c)) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < g->len) {
            c = (unsigned char)g->buf[i];
            /* a slash between digits stays in the token, so that "1/2jt" or "2½" is a bad
             * amount rather than the numbers 1 and 2jt */
            bool slash = c == '/' && i > s && is_digit((unsigned char)g->buf[i - 1]) &&
                         i + 1 < g->len && is_digit((unsigned char)g->buf[i + 1]);
            if (!is_alnum(c) && !tok_trim_char(c) && !slash)
                break;
            i++;
        }
        size_t e = i;
        while (s < e && tok_trim_char((unsigned char)g->buf[s]))
            s++;
        while (e > s && tok_trim_char((unsigned char)g->buf[e - 1]))
            e--;
        if (s == e)
            continue;
        struct token *t = &a->tok[a->n++];
        t->s = g->buf + s;
        t->len = e - s;
        t->start = s;
        t->used = false;
        /* "#MAWAR" after a space (or at the start of the arguments) marks a code */
        t->hash = s >= 2 && s > from && g->buf[s - 1] == '#' && g->buf[s - 2] == ' ';
        /* "-10rb" after a space is a negative amount; "TABUNG-10rb" is a separator */
        t->neg = s >= 2 && s - 1 > from && g->buf[s - 1] == '-' && g->buf[s - 2] == ' ' &&
                 is_digit((unsigned char)g->buf[s]);
    }
}

/* ---- field copies ---- */

enum field_case { FIELD_LOWER, FIELD_UPPER, FIELD_TITLE };

/* Appends src to the field dst (size dstsz), in the given case; stops at a UTF-8 boundary
 * when full. Returns false when the field is full. */
static bool field_append(char *dst, size_t dstsz, const char *src, size_t len, enum field_case fc)
{
    size_t have = strlen(dst);
    size_t room = dstsz - 1 - have;
    bool fits = len <= room;
    size_t n = utf8_fit(src, len, room);
    bool word_start = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        if (fc == FIELD_UPPER || (fc == FIELD_TITLE && word_start)) {
            if (c >= 'a' && c <= 'z') {
                c = (unsigned char)(c - 'a' + 'A');
            } else if (c >= 0x80 && fc == FIELD_TITLE) {
                utf8proc_int32_t cp;
                utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)src + i,
                                                      (utf8proc_ssize_t)(n - i), &cp);
                if (l > 0) {
                    utf8proc_uint8_t enc[4];
                    utf8proc_ssize_t el = utf8proc_encode_char(utf8proc_toupper(cp), enc);
                    if (el == l) { /* same length: replace in place */
                        memcpy(dst + have, enc, (size_t)el);
                        have += (size_t)el;
                        i += (size_t)l - 1;
                        word_start = false;
                        continue;
                    }
                }
            }
        }
        word_start = fc == FIELD_TITLE && c == '-';
        dst[have++] = (char)c;
    }
    dst[have] = '\0';
    return fits;
}

static void field_set(char *dst, size_t dstsz, const struct token *t, enum field_case fc)
{
    dst[0] = '\0';
    field_append(dst, dstsz, t->s, t->len, fc);
}

/* Joins the unused tokens (optionally only those without digits) with one space. */
static void field_join(char *dst, size_t dstsz, struct args *a, enum field_case fc,
                       bool skip_digits)
{
    dst[0] = '\0';
    for (int i = 0; i < a->n; i++) {
        struct token *t = &a->tok[i];
        if (t->used || (skip_digits && has_digit(t->s, t->len)))
            continue;
        if (dst[0] != '\0') {
            /* whole words only: no trailing space, no half word when the field is full */
            if (strlen(dst) + 1 + t->len > dstsz - 1)
                return;
            field_append(dst, dstsz, " ", 1, fc);
        }
        if (!field_append(dst, dstsz, t->s, t->len, fc))
            return;
        t->used = true;
    }
}

/* ---- amounts ---- */

struct amount_part {
    enum money_status st;
    struct money m;
    int unit_tok;       /* index of a unit word after a bare quantity, or -1 */
    const char *unit_s; /* or the unit glued to the quantity of a unit price: "3kg @15rb" */
    size_t unit_len;
};

static bool tok_is_times(const struct token *t)
{
    return t->len == 1 && (t->s[0] == 'x' || t->s[0] == '@');
}

static bool tok_starts_price(const struct token *t)
{
    return is_digit((unsigned char)t->s[0]) || money_is_prefix(t->s, t->len) ||
           (t->len > 2 && t->s[0] == 'r' && t->s[1] == 'p' &&
            (is_digit((unsigned char)t->s[2]) || t->s[2] == '.')) ||
           (t->len > 3 && memcmp(t->s, "idr", 3) == 0 && is_digit((unsigned char)t->s[3]));
}

/* A unit price starts at token k: "x 15rb", "@ Rp 15.000" (alone, then a price) or "x15rb",
 * "@15rb" (glued). */
static bool tok_times_at(const struct args *a, int k)
{
    const struct token *tk = &a->tok[k];
    bool alone = tok_is_times(tk) && k + 1 < a->n && tok_starts_price(&a->tok[k + 1]);
    bool glued = (tk->s[0] == 'x' || tk->s[0] == '@') && tk->len > 1 &&
                 (is_digit((unsigned char)tk->s[1]) || tk->s[1] == 'r' || tk->s[1] == 'i');
    return alone || glued;
}

static bool glue_add(char *g, size_t *gl, const struct token *t)
{
    if (*gl + t->len > GLUE_CAP)
        return false;
    memcpy(g + *gl, t->s, t->len);
    *gl += t->len;
    return true;
}

static bool ends_with_letter(const char *g, size_t gl)
{
    return gl > 0 && g[gl - 1] >= 'a' && g[gl - 1] <= 'z';
}

/* Reads one amount starting at token i, gluing what was written with spaces ("Rp 45.000",
 * "45 rb", "1jt 250rb", "3 x 15rb", "3 @ 15.000"). Returns the index after it, or i when the
 * token is not a number. */
static int amount_read(struct args *a, int i, struct amount_part *part)
{
    char g[GLUE_CAP];
    size_t gl = 0;
    int j = i;
    int unit_tok = -1;
    const struct token *t = &a->tok[i];
    if (!glue_add(g, &gl, t)) { /* too long to glue: judge it alone */
        part->st = money_parse(t->s, t->len, &part->m);
        part->unit_tok = -1;
        part->unit_s = NULL;
        part->unit_len = 0;
        if (part->st == MONEY_NOT)
            return i;
        a->tok[i].used = true;
        return i + 1;
    }
    bool want_number = money_is_prefix(t->s, t->len) || tok_is_times(t);
    bool pure = all_digits(t->s, t->len);
    bool times = t->s[0] == 'x' || t->s[0] == '@';
    /* "3kg @15rb", "3kg x 15rb": a quantity glued to its unit, then a unit price */
    const char *unit_s = NULL;
    size_t unit_len = 0;
    struct money qm;
    if (!pure && is_digit((unsigned char)t->s[0]) && i + 1 < a->n && tok_times_at(a, i + 1) &&
        money_parse(t->s, t->len, &qm) == MONEY_OK && qm.kind == MONEY_QTY) {
        gl = qm.unit_off; /* keep the digits only */
        unit_s = t->s + qm.unit_off;
        unit_len = qm.unit_len;
        pure = true;
    }
    while (j + 1 < a->n) {
        const struct token *nx = &a->tok[j + 1];
        if (want_number) {
            if (!tok_starts_price(nx) || !glue_add(g, &gl, nx))
                break;
            j++;
            want_number = money_is_prefix(nx->s, nx->len);
            pure = false;
            continue;
        }
        if (pure && !times) {
            /* 3 x 15rb, 3 @15rb, 3 bks @ 15rb */
            int k = j + 1;
            int u = -1;
            if (money_is_unit(a->tok[k].s, a->tok[k].len) && k + 1 < a->n) {
                u = k;
                k++;
            }
            const struct token *tk = &a->tok[k];
            /* (not "3kg bks x 15rb": one unit at most) */
            if ((unit_s == NULL || u < 0) && tok_times_at(a, k)) {
                if (!glue_add(g, &gl, tk))
                    break;
                unit_tok = u;
                j = k;
                want_number = tok_is_times(tk);
                pure = false;
                times = true;
                continue;
            }
        }
        if (gl > 0 && is_digit((unsigned char)g[gl - 1]) && money_is_multiplier(nx->s, nx->len)) {
            if (!glue_add(g, &gl, nx))
                break;
            j++;
            pure = false;
            continue;
        }
        if (gl > 0 && (g[gl - 1] == 'x' || g[gl - 1] == '@') && tok_starts_price(nx)) {
            /* "3x 15rb" */
            if (!glue_add(g, &gl, nx))
                break;
            j++;
            pure = false;
            times = true;
            continue;
        }
        if (ends_with_letter(g, gl) && is_digit((unsigned char)nx->s[0])) {
            /* compound with a smaller multiplier: 1jt 250rb, 1 jt 250 rb */
            size_t save = gl;
            int nj = j + 1;
            if (!glue_add(g, &gl, nx))
                break;
            if (!ends_with_letter(g, gl) && nj + 1 < a->n &&
                money_is_multiplier(a->tok[nj + 1].s, a->tok[nj + 1].len)) {
                if (!glue_add(g, &gl, &a->tok[nj + 1])) {
                    gl = save;
                    break;
                }
                nj++;
            }
            struct money m;
            if (ends_with_letter(g, gl) && money_parse(g, gl, &m) == MONEY_OK) {
                j = nj;
                continue;
            }
            gl = save;
        }
        break;
    }
    part->st = money_parse(g, gl, &part->m);
    part->unit_tok = unit_tok;
    part->unit_s = unit_s;
    part->unit_len = unit_len;
    if (part->st == MONEY_NOT)
        return i;
    if (t->neg) /* amounts are 1 rupiah or more: a minus sign is no separator here */
        part->st = MONEY_BAD;
    for (int k = i; k <= j; k++)
        a->tok[k].used = true;
    if (unit_tok >= 0)
        a->tok[unit_tok].used = true;
    return j + 1;
}

/* Finds the amount (and quantity, unit) among the tokens, per the rules of section 1. */
static void amount_pick(struct args *a, struct parse_command *c)
{
    struct amount_part parts[TOKENS_MAX];
    int np = 0;
    for (int i = 0; i < a->n;) {
        if (a->tok[i].used) {
            i++;
            continue;
        }
        int next = amount_read(a, i, &parts[np]);
        if (next == i) {
            i++;
            continue;
        }
        struct amount_part *pt = &parts[np++];
        /* a unit word after a bare quantity: "3 bks" */
        if (pt->st == MONEY_OK && pt->m.kind == MONEY_AMOUNT && !pt->m.marked && pt->m.qty == 0 &&
            next < a->n && !a->tok[next].used && money_is_unit(a->tok[next].s, a->tok[next].len)) {
            pt->unit_tok = next;
            a->tok[next].used = true;
            next++;
        }
        i = next;
    }
    for (int i = 0; i < np; i++) {
        if (parts[i].st == MONEY_BAD) {
            c->error = PARSE_ERR_BAD_AMOUNT;
            return;
        }
        if (parts[i].st == MONEY_TOO_LARGE) {
            c->error = PARSE_ERR_AMOUNT_TOO_LARGE;
            return;
        }
    }
    int marked = -1, n_marked = 0;
    int qty = -1, n_qty = 0; /* quantities: with a unit, or bare below 1,000 */
    int bare[2], n_bare = 0; /* bare integers that could be the amount */
    for (int i = 0; i < np; i++) {
        struct amount_part *pt = &parts[i];
        if (pt->m.kind == MONEY_QTY || pt->unit_tok >= 0) {
            if (pt->m.marked) { /* "3 bks @15rb": qty, unit and amount at once */
                marked = i;
                n_marked++;
                continue;
            }
            qty = i;
            n_qty++;
        } else if (pt->m.marked) {
            marked = i;
            n_marked++;
        } else {
            if (n_bare < 2)
                bare[n_bare] = i;
            n_bare++;
        }
    }
    if (np == 0 || (n_marked == 0 && n_bare == 0)) {
        c->error = PARSE_ERR_MISSING_AMOUNT;
        return;
    }
    struct amount_part *amt = NULL, *q = NULL;
    if (n_marked > 1) {
        c->error = PARSE_ERR_AMBIGUOUS_AMOUNT;
        return;
    }
    if (n_marked == 1) {
        amt = &parts[marked];
        /* bare integers beside it are quantities */
        for (int i = 0; i < n_bare && i < 2; i++) {
            if (parts[bare[i]].m.amount >= 1000) {
                c->error = PARSE_ERR_AMBIGUOUS_AMOUNT;
                return;
            }
            qty = bare[i];
        }
        n_qty += n_bare;
        if (n_qty > 1 || (n_qty == 1 && amt->m.qty > 0)) {
            c->error = PARSE_ERR_AMBIGUOUS_AMOUNT;
            return;
        }
        if (n_qty == 1)
            q = &parts[qty];
    } else if (n_bare == 1 && n_qty <= 1) {
        amt = &parts[bare[0]];
        if (n_qty == 1)
            q = &parts[qty];
    } else if (n_bare == 2 && n_qty == 0 && parts[bare[0]].m.amount < 1000 &&
               parts[bare[1]].m.amount >= 1000) {
        q = &parts[bare[0]];
        amt = &parts[bare[1]];
    } else {
        c->error = PARSE_ERR_AMBIGUOUS_AMOUNT;
        return;
    }
    c->amount = amt->m.amount;
    c->amount_bare = !amt->m.marked;
    if (amt->m.qty > 0)
        c->qty = amt->m.qty;
    if (amt->unit_tok >= 0) {
        field_set(c->unit, sizeof(c->unit), &a->tok[amt->unit_tok], FIELD_LOWER);
    } else if (amt->unit_len > 0) {
        struct token ut = {.s = amt->unit_s, .len = amt->unit_len};
        field_set(c->unit, sizeof(c->unit), &ut, FIELD_LOWER);
    }
    if (q) {
        c->qty = q->m.kind == MONEY_QTY ? q->m.qty : (int)q->m.amount;
        if (q->m.kind == MONEY_QTY) {
            struct token ut = {0};
            /* the unit glued to the quantity: find it again in its token */
            for (int i = 0; i < a->n; i++) {
                const struct token *t = &a->tok[i];
                struct money m;
                if (t->used && is_digit((unsigned char)t->s[0]) &&
                    money_parse(t->s, t->len, &m) == MONEY_OK && m.kind == MONEY_QTY) {
                    ut.s = t->s + m.unit_off;
                    ut.len = m.unit_len;
                    break;
                }
            }
            if (ut.s)
                field_set(c->unit, sizeof(c->unit), &ut, FIELD_LOWER);
        } else if (q->unit_tok >= 0) {
            field_set(c->unit, sizeof(c->unit), &a->tok[q->unit_tok], FIELD_LOWER);
        }
        /* "2 porsi pecel @ 10.000": the unit price times the quantity is the amount */
        if (amt->m.unit_price && c->qty > 0) {
            if (c->amount > PARSE_AMOUNT_MAX / c->qty) {
                c->error = PARSE_ERR_AMOUNT_TOO_LARGE;
                return;
            }
            c->amount *= c->qty;
        }
    }
}

/* ---- commands ---- */

static void cmd_money(struct args *a, struct parse_command *c)
{
    amount_pick(a, c);
    if (c->error != PARSE_ERR_OK) {
        c->amount = 0;
        c->qty = 0;
        c->unit[0] = '\0';
        return;
    }
    if (c->cmd == PARSE_CMD_SALE || c->cmd == PARSE_CMD_EXPENSE) {
        /* a multiplier word is never an item: "30 ewu krupuk" */
        for (int i = 0; i < a->n; i++)
            if (money_is_multiplier(a->tok[i].s, a->tok[i].len))
                a->tok[i].used = true;
        field_join(c->item, sizeof(c->item), a, FIELD_LOWER, false);
        return;
    }
    /* repayment, savings, withdrawal: a loan or member code (a word with a digit) is the ref; not
     * an ordinal ("angsuran ke-3", "minggu ke-2") */
    for (int i = 0; i < a->n; i++) {
        const struct token *t = &a->tok[i];
        bool ordinal =
            t->len > 3 && memcmp(t->s, "ke-", 3) == 0 && all_digits(t->s + 3, t->len - 3);
        if (!t->used && !ordinal && has_digit(t->s, t->len)) {
            field_set(c->ref, sizeof(c->ref), t, FIELD_UPPER);
            break;
        }
    }
}

static void cmd_register(struct args *a, struct parse_command *c)
{
    int group = -1;
    for (int i = 0; i < a->n; i++)
        if (a->tok[i].hash || has_digit(a->tok[i].s, a->tok[i].len))
            group = i;
    if (group >= 0) {
        field_set(c->group, sizeof(c->group), &a->tok[group], FIELD_UPPER);
        a->tok[group].used = true;
    }
    for (int i = 0; i < a->n; i++)
        if (a->tok[i].hash)
            a->tok[i].used = true;
    field_join(c->name, sizeof(c->name), a, FIELD_TITLE, true);
    if (c->name[0] == '\0')
        c->error = PARSE_ERR_MISSING_NAME;
}

static char answer_yes_no(const char *s, size_t len)
{
    static const char *const yes[] = {"ya", "yes", "setuju", "iya", "y"};
    static const char *const no[] = {"tidak", "tdk", "no", "n", "gak", "nggak", "enggak"};
    struct token t = {.s = s, .len = len};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (word_is(&t, yes[i]))
            return 'Y';
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (word_is(&t, no[i]))
            return 'N';
    return 0;
}

static bool answer_add(struct parse_command *c, int q, char letter)
{
    if (c->n_answers >= PARSE_MAX_ANSWERS || q < 1 || q > 999)
        return false;
    c->answers[c->n_answers].q = q;
    c->answers[c->n_answers].a = letter;
    c->n_answers++;
    return true;
}

/* "1A 2C 3B", "1a2c3b", "1. A", "A C B" (by position), "YA" / "TIDAK", "1 ya 2 tidak". */
static void cmd_answer(struct args *a, struct parse_command *c)
{
    bool numbered = false;
    for (int i = 0; i < a->n; i++)
        if (has_digit(a->tok[i].s, a->tok[i].len))
            numbered = true;
    int pending = 0; /* question number waiting for its answer */
    for (int i = 0; i < a->n; i++) {
        const char *s = a->tok[i].s;
        size_t len = a->tok[i].len, k = 0;
        while (k < len) {
            unsigned char ch = (unsigned char)s[k];
            if (is_digit(ch)) {
                if (pending) {
                    goto bad;
                }
                int q = 0;
                while (k < len && is_digit((unsigned char)s[k])) {
                    if (q < 100000)
                        q = q * 10 + (s[k] - '0');
                    k++;
                }
                pending = q > 0 ? q : -1;
                if (pending < 0)
                    goto bad;
                continue;
            }
            if (!is_letter(ch)) {
                k++;
                continue;
            }
            size_t w = k;
            while (k < len && is_letter((unsigned char)s[k]))
                k++;
            char yn = answer_yes_no(s + w, k - w);
            /* "tidak setuju" (disagree) is one answer: N; "tidak, setuju" is two */
            if (yn == 'N' && k == len && i + 1 < a->n && word_is(&a->tok[i + 1], "setuju") &&
                a->tok[i + 1].s == s + len + 1 && s[len] == ' ')
                i++;
            if (numbered) {
                if (!pending)
                    goto bad;
                char letter = yn;
                if (!letter && k - w == 1 && s[w] >= 'a' && s[w] <= 'e')
                    letter = (char)(s[w] - 'a' + 'A');
                if (!letter || !answer_add(c, pending, letter))
                    goto bad;
                pending = 0;
            } else if (yn) {
                if (!answer_add(c, c->n_answers + 1, yn))
                    goto bad;
            } else {
                for (size_t x = w; x < k; x++) {
                    if (s[x] < 'a' || s[x] > 'e' ||
                        !answer_add(c, c->n_answers + 1, (char)(s[x] - 'a' + 'A')))
                        goto bad;
                }
            }
        }
    }
    if (pending == 0 && c->n_answers > 0)
        return;
bad:
    c->n_answers = 0;
    memset(c->answers, 0, sizeof(c->answers));
    c->error = PARSE_ERR_BAD_ANSWER;
}

static void cmd_language(struct args *a, struct parse_command *c)
{
    static const char *const id[] = {"id", "ind", "indo", "indonesia", "bahasa"};
    static const char *const en[] = {"en", "eng", "english", "inggris", "ing"};
    for (int i = 0; i < a->n; i++) {
        for (size_t k = 0; k < sizeof(id) / sizeof(id[0]); k++)
            if (word_is(&a->tok[i], id[k]) && k < 4) {
                memcpy(c->lang, "id", 3);
                return;
            }
        for (size_t k = 0; k < sizeof(en) / sizeof(en[0]); k++)
            if (word_is(&a->tok[i], en[k])) {
                memcpy(c->lang, "en", 3);
                return;
            }
    }
}

/* Copies original bytes [from, to) as the broadcast body: trimmed, valid UTF-8 (bad bytes
 * become U+FFFD), control characters as spaces, cut at a UTF-8 boundary. Returns true when dst
 * filled up (more text would change nothing). */
static bool body_copy(char *dst, size_t dstsz, const char *text, size_t from, size_t to)
{
    while (from < to && strchr(BODY_SKIP, text[from]) && text[from] != '\0')
        from++;
    while (to > from && (text[to - 1] == ' ' || text[to - 1] == '\t' || text[to - 1] == '\r' ||
                         text[to - 1] == '\n'))
        to--;
    size_t n = 0;
    size_t i = from;
    while (i < to) {
        unsigned char ch = (unsigned char)text[i];
        const char *src;
        size_t l;
        char one;
        if (ch < 0x80) {
            one = (ch < ' ' && ch != '\n') || ch == 0x7f ? ' ' : (char)ch;
            src = &one;
            l = 1;
            i++;
        } else {
            utf8proc_int32_t cp;
            utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *)text + i,
                                                  (utf8proc_ssize_t)(to - i), &cp);
            if (r < 0) {
                src = "\xEF\xBF\xBD";
                l = 3;
                i++;
            } else {
                src = text + i;
                l = (size_t)r;
                i += (size_t)r;
            }
        }
        if (n + l > dstsz - 1) {
            dst[n] = '\0';
            return true;
        }
        memcpy(dst + n, src, l);
        n += l;
    }
    dst[n] = '\0';
    return false;
}

/* KONFIRM K7QX M4TP: the first reference code goes into c, the others wait in p->more_refs to
 * become confirms of their own (parser_emit). "dan" / "and" between codes are skipped. */
static void cmd_confirm(struct parser *p, const struct args *a, struct parse_command *c)
{
    for (int i = 0; i < a->n; i++) {
        const struct token *t = &a->tok[i];
        if (word_is(t, "dan") || word_is(t, "and"))
            continue;
        if (c->ref[0] == '\0') {
            field_set(c->ref, sizeof(c->ref), t, FIELD_UPPER);
        } else if (p->n_more_refs < PARSE_MAX_COMMANDS) {
            p->more_refs[p->n_more_refs].s = t->s;
            p->more_refs[p->n_more_refs].len = t->len;
            p->n_more_refs++;
        }
    }
    if (c->ref[0] == '\0')
        c->error = PARSE_ERR_MISSING_REF;
}

/* Parses the arguments of the command c->cmd, from seg->buf[from], into c. */
static void seg_parse_args(struct parser *p, struct parse_command *c, size_t from)
{
    const struct seg *g = &p->seg;
    size_t i = from;
    struct args a;
    args_split(g, i, &a);
    switch (c->cmd) {
    case PARSE_CMD_REGISTER:
        cmd_register(&a, c);
        break;
    case PARSE_CMD_SALE:
    case PARSE_CMD_EXPENSE:
    case PARSE_CMD_REPAYMENT:
    case PARSE_CMD_SAVINGS:
    case PARSE_CMD_WITHDRAWAL:
        cmd_money(&a, c);
        break;
    case PARSE_CMD_ATTENDANCE:
        for (int k = 0; k < a.n; k++)
            if (has_digit(a.tok[k].s, a.tok[k].len)) {
                field_set(c->session, sizeof(c->session), &a.tok[k], FIELD_UPPER);
                break;
            }
        break;
    case PARSE_CMD_ANSWER:
        cmd_answer(&a, c);
        break;
    case PARSE_CMD_CANCEL:
        if (a.n > 0 && (word_is(&a.tok[0], "sesi") || word_is(&a.tok[0], "session"))) {
            /* BATAL SESI GT07, CANCEL SESSION GT07: the trainer undoes a session */
            c->cmd = PARSE_CMD_SESSION_CANCEL;
            if (a.n > 1)
                field_set(c->target, sizeof(c->target), &a.tok[1], FIELD_UPPER);
            else
                c->error = PARSE_ERR_MISSING_TARGET;
            break;
        }
        if (a.n > 0)
            field_set(c->ref, sizeof(c->ref), &a.tok[0], FIELD_UPPER);
        else
            c->error = PARSE_ERR_MISSING_REF;
        break;
    case PARSE_CMD_CONFIRM:
        cmd_confirm(p, &a, c);
        break;
    case PARSE_CMD_LANGUAGE:
        cmd_language(&a, c);
        break;
    case PARSE_CMD_REPORT:
    case PARSE_CMD_ARREARS:
        if (a.n > 0)
            field_set(c->group, sizeof(c->group), &a.tok[0], FIELD_UPPER);
        break;
    case PARSE_CMD_BROADCAST: {
        p->pending_target[0] = '\0';
        if (a.n == 1) { /* the body may follow on the next lines */
            field_set(p->pending_target, sizeof(p->pending_target), &a.tok[0], FIELD_UPPER);
            p->body_start = g->orig_end;
            p->body_full = false;
        }
        if (a.n < 2) {
            c->error = PARSE_ERR_MISSING_TARGET;
            break;
        }
        field_set(c->target, sizeof(c->target), &a.tok[0], FIELD_UPPER);
        size_t end = a.tok[0].start + a.tok[0].len;
        p->body_start = end < g->len ? g->off[end] : g->orig_end;
        p->body_full = body_copy(c->body, sizeof(c->body), p->text, p->body_start, g->orig_end);
        if (c->body[0] == '\0') {
            c->target[0] = '\0';
            c->error = PARSE_ERR_MISSING_TARGET;
        }
        break;
    }
    case PARSE_CMD_SESSION:
        if (a.n == 1) { /* "SESI GT07-2", written as in HADIR GT07-2 */
            const struct token *t = &a.tok[0];
            size_t d = t->len;
            while (d > 0 && t->s[d - 1] != '-')
                d--;
            if (d > 1 && all_digits(t->s + d, t->len - d)) {
                struct token batch = {.s = t->s, .len = d - 1};
                struct token n = {.s = t->s + d, .len = t->len - d};
                field_set(c->target, sizeof(c->target), &batch, FIELD_UPPER);
                field_set(c->session, sizeof(c->session), &n, FIELD_UPPER);
                break;
            }
        }
        if (a.n < 2) {
            c->error = PARSE_ERR_MISSING_TARGET;
            break;
        }
        field_set(c->target, sizeof(c->target), &a.tok[0], FIELD_UPPER);
        field_set(c->session, sizeof(c->session), &a.tok[1], FIELD_UPPER);
        break;
    default: /* balance, yes, help, stop, start: trailing words are ignored */
        break;
    }
    if (c->error != PARSE_ERR_OK) { /* a command carries an error instead of a result */
        enum parse_cmd cmd = c->cmd;
        enum parse_error err = c->error;
        bool typo = c->typo;
        memset(c, 0, sizeof(*c));
        c->cmd = cmd;
        c->error = err;
        c->typo = typo;
    }
}

/* The longest keyword of four or more letters (not stop or start) that the letters w[0..len)
 * start with, exactly: "BATALK7QX" is BATAL K7QX. 0 when none. */
static size_t keyword_prefix(const char *w, size_t len, enum parse_cmd *cmd)
{
    if (len <= 4)
        return 0;
    for (size_t l = len > KEYWORD_MAX_LEN ? KEYWORD_MAX_LEN : len - 1; l >= 4; l--) {
        bool typo;
        enum parse_cmd k = keyword_lookup(w, l, &typo);
        if (k != PARSE_CMD_NONE && !typo && k != PARSE_CMD_STOP && k != PARSE_CMD_START) {
            *cmd = k;
            return l;
        }
    }
    return 0;
}

/* A member code standing before the keyword on a shared handset ("B0002 JUAL 45rb"): a word of
 * letters and digits, starting with a letter, then a keyword (or '?'). Returns where the keyword
 * starts and sets *code_len, or returns 0. */
static size_t member_code_at(const struct seg *g, size_t w, size_t *code_len)
{
    size_t i = w, digits = 0;
    if (i >= g->len || g->buf[i] < 'a' || g->buf[i] > 'z')
        return 0;
    while (i < g->len && is_alnum((unsigned char)g->buf[i])) {
        if (is_digit((unsigned char)g->buf[i]))
            digits++;
        i++;
    }
    size_t len = i - w;
    if (digits == 0 || len >= sizeof(((struct parse_command *)0)->member))
        return 0;
    while (i < g->len && strchr(" #*.:,-", g->buf[i]) && g->buf[i] != '\0')
        i++;
    if (i >= g->len)
        return 0;
    if (g->buf[i] != '?') {
        size_t k = i;
        while (k < g->len && is_letter((unsigned char)g->buf[k]))
            k++;
        if (keyword_lookup(g->buf + i, k - i, NULL) == PARSE_CMD_NONE)
            return 0;
    }
    *code_len = len;
    return i;
}

/* Parses the normalised command in p->seg, from its first word w, into c. */
static void seg_parse_command(struct parser *p, struct parse_command *c, size_t w)
{
    const struct seg *g = &p->seg;
    size_t i = w;
    if (i < g->len && g->buf[i] == '?') {
        c->cmd = PARSE_CMD_HELP;
        return;
    }
    while (i < g->len && is_letter((unsigned char)g->buf[i]))
        i++;
    bool typo;
    enum parse_cmd cmd = keyword_lookup(g->buf + w, i - w, &typo);
    /* A code glued to the keyword ("BATALK7QX", "BAYARP12 150rb"): the keyword spelled exactly
     * before it wins over a typo of the whole word, unless only the typo makes sense
     * ("TABUNGN20rb"). */
    enum parse_cmd pcmd;
    size_t pl;
    if ((cmd == PARSE_CMD_NONE || typo) && i < g->len && is_digit((unsigned char)g->buf[i]) &&
        (pl = keyword_prefix(g->buf + w, i - w, &pcmd)) > 0) {
        char pending[sizeof(p->pending_target)];
        memcpy(pending, p->pending_target, sizeof(pending));
        size_t body_start = p->body_start;
        bool body_full = p->body_full;
        c->cmd = pcmd;
        seg_parse_args(p, c, w + pl);
        if (c->error == PARSE_ERR_OK || cmd == PARSE_CMD_NONE)
            return;
        memcpy(p->pending_target, pending, sizeof(pending));
        p->body_start = body_start;
        p->body_full = body_full;
        p->n_more_refs = 0;
        memset(c, 0, sizeof(*c));
    }
    c->cmd = cmd;
    c->typo = typo;
    if (cmd == PARSE_CMD_NONE) {
        c->error = PARSE_ERR_UNKNOWN_COMMAND;
        return;
    }
    seg_parse_args(p, c, i);
}

/* Parses the normalised command in p->seg into c (all zero: parse_message cleared the result,
 * parser_emit clears scratch commands). */
static void seg_parse(struct parser *p, struct parse_command *c)
{
    const struct seg *g = &p->seg;
    size_t i = 0;
    p->n_more_refs = 0;
    while (i < g->len && !is_alnum((unsigned char)g->buf[i]) && g->buf[i] != '?')
        i++;
    size_t code_len = 0;
    size_t k = member_code_at(g, i, &code_len);
    if (k == 0) {
        seg_parse_command(p, c, i);
        return;
    }
    seg_parse_command(p, c, k);
    struct token code = {.s = g->buf + i, .len = code_len};
    field_set(c->member, sizeof(c->member), &code, FIELD_UPPER);
}

/* Lines after a broadcast that start with no keyword belong to its body ("KIRIM KPUK07 Rapat
 * besok\nBawa buku kas", or the body only from the second line on). True when the command c
 * (ending at original offset end) was taken into last's body. */
static bool broadcast_continues(struct parser *p, struct parse_command *last,
                                const struct parse_command *c, size_t end)
{
    if (!last || c->error != PARSE_ERR_UNKNOWN_COMMAND || last->cmd != PARSE_CMD_BROADCAST)
        return false;
    if (last->error == PARSE_ERR_MISSING_TARGET && p->pending_target[0] != '\0') {
        last->error = PARSE_ERR_OK;
        memcpy(last->target, p->pending_target, sizeof(last->target));
        p->pending_target[0] = '\0';
    } else if (last->error != PARSE_ERR_OK) {
        return false;
    }
    if (!p->body_full)
        p->body_full = body_copy(last->body, sizeof(last->body), p->text, p->body_start, end);
    return true;
}

/* Appends the command in p->seg (ending at original offset end) to the result, or takes it into
 * the body of the broadcast before it. */
static void parser_emit(struct parser *p, size_t end)
{
    struct parse_result *r = p->out;
    struct parse_command *last = r->n_commands > 0 ? &r->commands[r->n_commands - 1] : NULL;
    if (r->n_commands >= PARSE_MAX_COMMANDS) {
        /* one more command: parse it only to see whether it continues a broadcast */
        struct parse_command extra;
        memset(&extra, 0, sizeof(extra));
        seg_parse(p, &extra);
        if (broadcast_continues(p, last, &extra, end))
            return;
        r->truncated = true;
        p->done = true;
        return;
    }
    struct parse_command *c = &r->commands[r->n_commands];
    memset(c, 0, sizeof(*c));
    seg_parse(p, c);
    /* Lines after a broadcast that start with no keyword belong to its body. */
    if (broadcast_continues(p, last, c, end)) {
        memset(c, 0, sizeof(*c));
        return;
    }
    r->n_commands++;
    /* KONFIRM K7QX M4TP: one confirm per reference code */
    for (int k = 0; k < p->n_more_refs; k++) {
        if (r->n_commands >= PARSE_MAX_COMMANDS) {
            r->truncated = true;
            p->done = true;
            return;
        }
        struct parse_command *more = &r->commands[r->n_commands++];
        memset(more, 0, sizeof(*more));
        more->cmd = c->cmd;
        more->typo = c->typo;
        memcpy(more->member, c->member, sizeof(more->member));
        field_set(more->ref, sizeof(more->ref), &p->more_refs[k], FIELD_UPPER);
    }
    p->n_more_refs = 0;
}

/* Where a comma followed by a keyword ends the first command of the segment ("jual 45rb abon,
 * beli 20rb gula"): the offset of that comma in g->buf, or g->len when there is none. */
static size_t seg_comma_cut(const struct seg *g)
{
    size_t i = 0;
    while (i < g->len && !is_alnum((unsigned char)g->buf[i]))
        i++;
    for (;;) {
        const char *comma = memchr(g->buf + i, ',', g->len - i);
        if (!comma)
            return g->len;
        size_t cut = (size_t)(comma - g->buf);
        size_t w = cut + 1;
        while (w < g->len && g->buf[w] == ' ')
            w++;
        size_t k = w;
        while (k < g->len && is_letter((unsigned char)g->buf[k]))
            k++;
        if (k > w && keyword_lookup(g->buf + w, k - w, NULL) != PARSE_CMD_NONE)
            return cut;
        i = cut + 1;
    }
}

/* The command the segment in p->seg starts with, leaving the parser as it was. */
static enum parse_cmd seg_head_cmd(struct parser *p)
{
    struct parse_command scratch;
    memset(&scratch, 0, sizeof(scratch));
    char pending[sizeof(p->pending_target)];
    memcpy(pending, p->pending_target, sizeof(pending));
    size_t body_start = p->body_start;
    bool body_full = p->body_full;
    seg_parse(p, &scratch);
    memcpy(p->pending_target, pending, sizeof(pending));
    p->body_start = body_start;
    p->body_full = body_full;
    p->n_more_refs = 0;
    return scratch.cmd;
}

/* A comma and a keyword separate commands, except inside a broadcast body or the answers of
 * JAWAB ("JAWAB ya, ya"), and on a line that continues a broadcast body. */
static bool seg_may_cut(struct parser *p)
{
    enum parse_cmd head = seg_head_cmd(p);
    const struct parse_result *r = p->out;
    if (head == PARSE_CMD_BROADCAST || head == PARSE_CMD_ANSWER)
        return false;
    return !(head == PARSE_CMD_NONE && r->n_commands > 0 &&
             r->commands[r->n_commands - 1].cmd == PARSE_CMD_BROADCAST);
}

static void parser_close_segment(struct parser *p, size_t end)
{
    struct seg *g = &p->seg;
    g->orig_end = end;
    if (g->visible)
        p->any_visible = true;
    if (p->done || !g->content)
        return;
    while (g->len > 0 && g->buf[g->len - 1] == ' ')
        g->len--;
    size_t cut;
    while (!p->done && (cut = seg_comma_cut(g)) < g->len && seg_may_cut(p)) {
        /* the first command ends at the comma; the rest moves to the front of the segment */
        size_t full = g->len;
        size_t rest = cut + 1;
        while (rest < full && g->buf[rest] == ' ')
            rest++;
        g->len = cut;
        while (g->len > 0 && g->buf[g->len - 1] == ' ')
            g->len--;
        g->orig_end = g->off[cut];
        parser_emit(p, g->off[cut]);
        memmove(g->buf, g->buf + rest, full - rest);
        memmove(g->off, g->off + rest, (full - rest) * sizeof(g->off[0]));
        g->len = full - rest;
        g->orig_start = g->off[0];
        g->orig_end = end;
    }
    if (!p->done)
        parser_emit(p, end);
}

void parse_message(const char *text, size_t len, struct parse_result *out)
{
    struct parser p;
    p.text = text ? text : "";
    p.len = text ? len : 0;
    p.out = out;
    p.body_start = 0;
    p.body_full = false;
    p.pending_target[0] = '\0';
    p.n_more_refs = 0;
    p.any_visible = false;
    p.done = false;
    /* Only the commands used are cleared (parser_close_segment): the whole ~9 KB result was a
     * fifth of the time of a short message. */
    out->n_commands = 0;
    out->truncated = false;
    seg_reset(&p.seg, 0);
    const unsigned char *s = (const unsigned char *)p.text;
    size_t i = 0;
    while (i < p.len && !p.done) {
        unsigned char c = s[i];
        if (c < 0x80) {
            struct seg *g = &p.seg;
            if (c > ' ' && c != ';' && c != 0x7f) {
                /* the common case, inline: printable ASCII */
                if (c >= 'A' && c <= 'Z')
                    c = (unsigned char)(c + 'a' - 'A');
                g->visible = true;
                if (is_alnum(c) || c == '?')
                    g->content = true;
                if (g->len < SEG_CAP) {
                    g->buf[g->len] = (char)c;
                    g->off[g->len] = i;
                    g->len++;
                }
            } else {
                norm_emit(&p, c, i, i + 1);
            }
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(p.len - i), &cp);
        if (n <= 0) { /* invalid UTF-8: a separator */
            p.seg.visible = true;
            seg_space(&p.seg, i);
            i++;
            continue;
        }
        norm_codepoint(&p, cp, i, i + (size_t)n);
        i += (size_t)n;
    }
    if (!p.done)
        parser_close_segment(&p, p.len);
    if (out->n_commands == 0) {
        out->n_commands = 1;
        memset(&out->commands[0], 0, sizeof(out->commands[0]));
        out->commands[0].error = p.any_visible ? PARSE_ERR_UNKNOWN_COMMAND : PARSE_ERR_EMPTY;
    }
}
