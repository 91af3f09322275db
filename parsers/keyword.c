/* keyword.c - the keyword table of product.md section 1, exact and one-edit lookup. */
#include "keyword.h"

#include <string.h>

struct keyword {
    const char *word;
    unsigned char len;
    enum parse_cmd cmd;
};

#define KW(w, c)                                                                                   \
    {                                                                                              \
        w, sizeof(w) - 1, PARSE_CMD_##c                                                            \
    }

/* Indonesian keywords first, then Javanese, then English; "?" is handled as a keyword too. */
static const struct keyword keyword_table[] = {
    KW("daftar", REGISTER),
    KW("jual", SALE),
    KW("penjualan", SALE),
    KW("laku", SALE),
    KW("beli", EXPENSE),
    KW("modal", EXPENSE),
    KW("biaya", EXPENSE),
    KW("belanja", EXPENSE),
    KW("keluar", EXPENSE),
    KW("bayar", REPAYMENT),
    KW("angsur", REPAYMENT),
    KW("angsuran", REPAYMENT),
    KW("cicil", REPAYMENT),
    KW("tabung", SAVINGS),
    KW("tabungan", SAVINGS),
    KW("simpan", SAVINGS),
    KW("nabung", SAVINGS),
    KW("tarik", WITHDRAWAL),
    KW("ambil", WITHDRAWAL),
    KW("ya", YES),
    KW("iya", YES),
    KW("saldo", BALANCE),
    KW("cek", BALANCE),
    KW("hadir", ATTENDANCE),
    KW("absen", ATTENDANCE),
    KW("jawab", ANSWER),
    KW("batal", CANCEL),
    KW("hapus", CANCEL),
    KW("bantuan", HELP),
    KW("tolong", HELP),
    KW("menu", HELP),
    KW("info", HELP),
    KW("?", HELP),
    KW("berhenti", STOP),
    KW("stop", STOP),
    KW("unreg", STOP),
    KW("mulai", START),
    KW("lanjut", START),
    KW("bahasa", LANGUAGE),
    KW("laporan", REPORT),
    KW("rekap", REPORT),
    KW("kirim", BROADCAST),
    KW("siarkan", BROADCAST),
    KW("konfirm", CONFIRM),
    KW("sah", CONFIRM),
    KW("tunggakan", ARREARS),
    KW("sesi", SESSION),
    /* Javanese (issue 19) */
    KW("adol", SALE),
    KW("ngedol", SALE),
    KW("didol", SALE),
    KW("dodol", SALE),
    KW("payu", SALE),
    KW("sade", SALE),
    KW("tuku", EXPENSE),
    KW("tumbas", EXPENSE),
    KW("kulak", EXPENSE),
    KW("blanja", EXPENSE),
    KW("nyicil", REPAYMENT),
    KW("mbayar", REPAYMENT),
    KW("nyelengi", SAVINGS),
    KW("celengan", SAVINGS),
    KW("saldone", BALANCE),
    /* English */
    KW("register", REGISTER),
    KW("join", REGISTER),
    KW("sale", SALE),
    KW("sell", SALE),
    KW("sold", SALE),
    KW("buy", EXPENSE),
    KW("expense", EXPENSE),
    KW("spend", EXPENSE),
    KW("pay", REPAYMENT),
    KW("repay", REPAYMENT),
    KW("save", SAVINGS),
    KW("withdraw", WITHDRAWAL),
    KW("yes", YES),
    KW("balance", BALANCE),
    KW("present", ATTENDANCE),
    KW("attend", ATTENDANCE),
    KW("answer", ANSWER),
    KW("cancel", CANCEL),
    KW("undo", CANCEL),
    KW("help", HELP),
    KW("unsubscribe", STOP),
    KW("start", START),
    KW("subscribe", START),
    KW("lang", LANGUAGE),
    KW("language", LANGUAGE),
    KW("report", REPORT),
    KW("broadcast", BROADCAST),
    KW("confirm", CONFIRM),
    KW("arrears", ARREARS),
    KW("session", SESSION),
};

#define KEYWORD_COUNT (sizeof(keyword_table) / sizeof(keyword_table[0]))

bool keyword_one_edit(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen > blen) { /* make a the shorter (or equal) one */
        const char *t = a;
        size_t tl = alen;
        a = b;
        alen = blen;
        b = t;
        blen = tl;
    }
    if (blen - alen > 1)
        return false;
    size_t i = 0;
    while (i < alen && a[i] == b[i])
        i++;
    if (alen == blen) {
        if (i == alen)
            return false; /* equal */
        if (memcmp(a + i + 1, b + i + 1, alen - i - 1) == 0)
            return true; /* substitution */
        return i + 1 < alen && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, alen - i - 2) == 0; /* swap */
    }
    /* b has one more byte: skip b[i] */
    return memcmp(a + i, b + i + 1, alen - i) == 0;
}

static bool keyword_consent(enum parse_cmd cmd)
{
    return cmd == PARSE_CMD_STOP || cmd == PARSE_CMD_START;
}

enum parse_cmd keyword_lookup(const char *word, size_t len, bool *typo)
{
    if (typo)
        *typo = false;
    if (len == 0 || len > KEYWORD_MAX_LEN)
        return PARSE_CMD_NONE;
    for (size_t i = 0; i < KEYWORD_COUNT; i++) {
        const struct keyword *k = &keyword_table[i];
        if (k->len == len && k->word[0] == word[0] && memcmp(k->word, word, len) == 0)
            return k->cmd;
    }
    /* Only when no keyword is spelled exactly: one edit from keywords of 4+ letters. */
    enum parse_cmd found = PARSE_CMD_NONE;
    for (size_t i = 0; i < KEYWORD_COUNT; i++) {
        const struct keyword *k = &keyword_table[i];
        if (k->len < 4 || keyword_consent(k->cmd))
            continue;
        if ((size_t)k->len + 1 < len || len + 1 < (size_t)k->len)
            continue;
        if (!keyword_one_edit(word, len, k->word, k->len))
            continue;
        if (found != PARSE_CMD_NONE && found != k->cmd)
            return PARSE_CMD_NONE; /* one edit from two commands: do not guess */
        found = k->cmd;
    }
    if (found != PARSE_CMD_NONE && typo)
        *typo = true;
    return found;
}
