/* svg.c - bar charts as inline SVG: no script, no fonts or images from elsewhere, a title for
 * screen readers; the page shows the same numbers in a table beside each chart. */
#include "web_internal.h"

#include "format.h"

#include <stdio.h>

static const char *const colours[] = {"#1d4f6e", "#d9822b", "#4a9d5b", "#9b3d6b"};

void svg_bars(struct page *p, const char *title_key, int n, const char *const labels[],
              int n_series, const char *const series_keys[], const int64_t *const values[],
              bool money)
{
    if (n <= 0 || n_series <= 0)
        return;
    if (n_series > 4)
        n_series = 4;
    int64_t max = 0;
    for (int s = 0; s < n_series; s++)
        for (int i = 0; i < n; i++)
            if (values[s][i] > max)
                max = values[s][i];
    const int left = 8, top = 22, height = 120, bottom = 30, group_w = 320 / n + 8;
    const int width = left + group_w * n + 8, bar_w = (group_w - 6) / n_series;
    html_fmt(p,
             "<svg role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
             "font-family=\"sans-serif\" font-size=\"10\">"
             "<title>",
             width, top + height + bottom, width, top + height + bottom);
    html_word(p, title_key);
    html_raw(p, "</title>");
    /* legend */
    for (int s = 0, x = left; s < n_series; s++) {
        html_fmt(p, "<rect x=\"%d\" y=\"4\" width=\"10\" height=\"10\" fill=\"%s\"/>", x,
                 colours[s]);
        html_fmt(p, "<text x=\"%d\" y=\"13\">", x + 13);
        html_word(p, series_keys[s]);
        html_raw(p, "</text>");
        x += 110;
    }
    char max_s[32];
    if (money)
        format_rupiah(max, max_s, sizeof max_s);
    else
        snprintf(max_s, sizeof max_s, "%lld", (long long)max);
    /* the scale: the largest value, on the legend's line, above the tallest bar's top */
    html_fmt(p, "<text x=\"%d\" y=\"13\" text-anchor=\"end\" fill=\"#666\">max ", width - 4);
    html_text(p, max_s);
    html_raw(p, "</text>");
    html_fmt(p, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", left,
             top + height, width - 4, top + height);
    for (int i = 0; i < n; i++) {
        int gx = left + i * group_w + 3;
        for (int s = 0; s < n_series; s++) {
            int64_t v = values[s][i] > 0 ? values[s][i] : 0;
            int h = max ? (int)((double)v * height / (double)max + 0.5) : 0;
            html_fmt(p,
                     "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\">"
                     "<title>%lld</title></rect>",
                     gx + s * bar_w, top + height - h, bar_w > 1 ? bar_w - 1 : 1, h, colours[s],
                     (long long)v);
        }
        html_fmt(p, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", gx + (group_w - 6) / 2,
                 top + height + 14);
        html_text(p, labels[i]);
        html_raw(p, "</text>");
    }
    html_raw(p, "</svg>");
}
