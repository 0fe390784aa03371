//! The timeline chart: detections per hour, stacked by level, as inline SVG. Long spans use
//! wider bins so the chart stays readable (the axis says which).

use super::Page;
use std::collections::BTreeMap;
use ward_analytics::Case;
use ward_event::{Level, Timestamp};

const HOUR: i64 = 3_600_000_000_000;
/// Bin widths tried in order, in hours; the first giving at most `MAX_BINS` bins wins.
const BIN_HOURS: [i64; 7] = [1, 3, 6, 12, 24, 24 * 7, 24 * 30];
const MAX_BINS: i64 = 168;
const PLOT_W: i64 = 960;
const PLOT_H: i64 = 220;
const LEFT: i64 = 48;
const BOTTOM: i64 = 40;

/// Detections counted per bin: bin start -> count per level.
pub(crate) struct Histogram {
    /// Bin width in hours.
    pub hours: i64,
    /// First bin's start, in nanoseconds.
    pub start: i64,
    /// Number of bins.
    pub bins: i64,
    /// Counts by bin index and level.
    pub counts: BTreeMap<i64, BTreeMap<Level, usize>>,
}

/// Bins the detection times of `case`; `None` when there are none with a known time.
pub(crate) fn histogram(case: &Case) -> Option<Histogram> {
    let times = || {
        case.detections
            .iter()
            .map(|d| d.time.as_nanos())
            .filter(|t| *t != 0)
    };
    let (first, last) = (times().min()?, times().max()?);
    let hours = BIN_HOURS
        .iter()
        .copied()
        .find(|h| (last.div_euclid(h * HOUR) - first.div_euclid(h * HOUR)) < MAX_BINS)
        .unwrap_or(24 * 365);
    let width = hours * HOUR;
    let start = first.div_euclid(width) * width;
    let bins = (last - start) / width + 1;
    let mut counts: BTreeMap<i64, BTreeMap<Level, usize>> = BTreeMap::new();
    for d in case.detections.iter().filter(|d| d.time.as_nanos() != 0) {
        let bin = (d.time.as_nanos() - start) / width;
        *counts.entry(bin).or_default().entry(d.level).or_insert(0) += 1;
    }
    Some(Histogram {
        hours,
        start,
        bins,
        counts,
    })
}

/// The timeline section.
pub(super) fn section(page: &mut Page, case: &Case) {
    page.section("timeline", "Timeline");
    let Some(h) = histogram(case) else {
        page.raw("<p>No detections to chart.</p></section>");
        return;
    };
    let per = if h.hours == 1 {
        "hour".to_string()
    } else {
        format!("{} hours", h.hours)
    };
    page.raw("<p>Detections per ");
    page.text(&per);
    page.raw(" (UTC), stacked by level; hover a bar for counts.</p><div class=\"chart\">");
    svg(page, &h);
    page.raw("</div><p class=\"legend\">");
    for level in Level::ALL.iter().rev() {
        page.raw(&format!(
            "<span class=\"swatch lv-{0}\"></span>{0} ",
            level.as_str()
        ));
    }
    page.raw("</p></section>");
}

fn svg(page: &mut Page, h: &Histogram) {
    let highest = h
        .counts
        .values()
        .map(|m| m.values().sum::<usize>())
        .max()
        .unwrap_or(1)
        .max(1) as i64;
    // Whole-number gridlines: at most four steps, the top one at or above the highest bar.
    let step = (highest + 3) / 4;
    let lines = (highest + step - 1) / step;
    let peak = step * lines;
    let bar = (PLOT_W / h.bins).max(2);
    let (w, ht) = (LEFT + bar * h.bins + 16, PLOT_H + BOTTOM + 10);
    page.raw(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 {w} {ht}\" width=\"{w}\" \
         height=\"{ht}\" role=\"img\" aria-label=\"Detections over time\">"
    ));
    for i in 0..=lines {
        let value = step * i;
        let y = 10 + PLOT_H - PLOT_H * i / lines;
        page.raw(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\"/><text class=\"axis\" x=\"{}\" \
             y=\"{}\" text-anchor=\"end\">{value}</text>",
            w - 8,
            LEFT - 6,
            y + 4
        ));
    }
    let width = h.hours * HOUR;
    for (bin, levels) in &h.counts {
        let x = LEFT + bin * bar;
        let mut y = 10 + PLOT_H;
        let label = bin_label(h.start + bin * width);
        for (level, n) in levels {
            let height = (PLOT_H * *n as i64 / peak).max(1);
            y -= height;
            page.raw(&format!(
                "<rect class=\"lv-{}\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{height}\"><title>",
                level.as_str(),
                (bar - 1).max(1)
            ));
            page.text(&format!("{label} UTC: {n} {level}"));
            page.raw("</title></rect>");
        }
    }
    let ticks = 6.min(h.bins);
    for i in 0..ticks {
        let bin = i * h.bins / ticks;
        let x = LEFT + bin * bar;
        page.raw(&format!(
            "<text class=\"axis\" x=\"{x}\" y=\"{}\">",
            PLOT_H + 28
        ));
        page.text(&bin_label(h.start + bin * width));
        page.raw("</text>");
    }
    page.raw("</svg>");
}

/// `2024-03-01 10:00` for the bin starting at `nanos`.
fn bin_label(nanos: i64) -> String {
    let s = Timestamp::from_nanos(nanos).to_string();
    match (s.get(..10), s.get(11..16)) {
        (Some(day), Some(hm)) => format!("{day} {hm}"),
        _ => s,
    }
}
