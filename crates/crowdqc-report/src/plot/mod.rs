//! Charts drawn with `plotters`' SVG backend, each returned as an inline `<svg>`
//! element. Text drawn into a chart (labels, ids) is escaped by the backend.

mod xy;

pub use xy::{Point, Series, forest, heatmap, lines, scatter};

use crowdqc_core::{Error, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// The palette: model (blue), gold (orange), then further series.
pub const COLORS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 120, 20),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

pub(crate) const FONT: &str = "sans-serif";

pub(crate) fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::library("drawing a chart", std::io::Error::other(e.to_string()))
}

/// Runs `draw` on a `w × h` SVG canvas and returns the `<svg>` element (without the
/// XML namespace attribute, which inline SVG in HTML does not need).
pub(crate) fn svg(
    w: u32,
    h: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> Result<()>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    Ok(out.replace(" xmlns=\"http://www.w3.org/2000/svg\"", ""))
}

/// Shortens a label drawn on an axis to `max` characters (an ellipsis marks the cut).
pub fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A bar chart over categories (`labels`), with optional error bars `(low, high)`.
pub fn bars(
    x_desc: &str,
    y_desc: &str,
    labels: &[String],
    values: &[f64],
    errors: Option<&[(f64, f64)]>,
) -> Result<String> {
    let n = labels.len().max(1) as u32;
    let top = values
        .iter()
        .copied()
        .chain(errors.into_iter().flatten().map(|e| e.1))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let top = if top > 0.0 { top * 1.08 } else { 1.0 };
    // room for each bar's label (up to 10 characters are drawn)
    let longest = labels
        .iter()
        .map(|l| l.chars().count().min(10))
        .max()
        .unwrap_or(1) as u32;
    let w = (120 + n * (7 * longest + 8).max(28)).clamp(360, 640);
    svg(w, 260, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(56)
            .build_cartesian_2d((0u32..n - 1).into_segmented(), 0f64..top)
            .map_err(plot_err)?;
        let fmt = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) => labels
                .get(*i as usize)
                .map(|s| short(s, 10))
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len().min(20))
            .x_label_formatter(&fmt)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        // one rectangle per bar, left to right (plotters' `Histogram` sums its data in a
        // `HashMap` and draws the bars in that map's order, which changes between runs);
        // the segmented axis ends at `Last`, not at `Exact(n)`
        chart
            .draw_series(values.iter().enumerate().map(|(i, &v)| {
                let x0 = SegmentValue::Exact(i as u32);
                let x1 = match i as u32 + 1 {
                    next if next < n => SegmentValue::Exact(next),
                    _ => SegmentValue::Last,
                };
                let mut bar = Rectangle::new([(x0, 0.0), (x1, v)], COLORS[0].mix(0.8).filled());
                bar.set_margin(0, 0, 2, 2);
                bar
            }))
            .map_err(plot_err)?;
        if let Some(errs) = errors {
            chart
                .draw_series(errs.iter().zip(values).enumerate().map(|(i, (e, &v))| {
                    ErrorBar::new_vertical(
                        SegmentValue::CenterOf(i as u32),
                        e.0,
                        v,
                        e.1,
                        BLACK.stroke_width(1),
                        6,
                    )
                }))
                .map_err(plot_err)?;
        }
        Ok(())
    })
}

/// The bins of a histogram of `values` over `[lo, hi]` in `bins` equal bins (values
/// outside are clamped into the end bins; non-finite values are skipped): the labels
/// (bin starts) and counts.
pub fn binned(
    values: &[f64],
    lo: f64,
    hi: f64,
    bins: usize,
    digits: usize,
) -> (Vec<String>, Vec<f64>) {
    let bins = bins.max(1);
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0.0; bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let b = if width > 0.0 {
            (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1)
        } else {
            0
        };
        counts[b] += 1.0;
    }
    let labels = (0..bins)
        .map(|b| format!("{:.digits$}", lo + width * b as f64))
        .collect();
    (labels, counts)
}

/// The distribution of a count (judgments per item, per worker): one bar per value
/// when there are few distinct values, otherwise 20 bins of equal width, each
/// labelled by its first value.
pub fn count_bins(counts: &[u64]) -> (Vec<String>, Vec<f64>) {
    let (Some(&lo), Some(&hi)) = (counts.iter().min(), counts.iter().max()) else {
        return (Vec::new(), Vec::new());
    };
    if hi - lo < 20 {
        let mut v = vec![0.0; (hi - lo + 1) as usize];
        for &c in counts {
            v[(c - lo) as usize] += 1.0;
        }
        return ((lo..=hi).map(|c| c.to_string()).collect(), v);
    }
    let width = (hi - lo + 1).div_ceil(20);
    let bins = (hi - lo + 1).div_ceil(width) as usize;
    let mut v = vec![0.0; bins];
    for &c in counts {
        v[((c - lo) / width) as usize] += 1.0;
    }
    let labels = (0..bins as u64)
        .map(|b| (lo + b * width).to_string())
        .collect();
    (labels, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binned_counts_every_finite_value_once() {
        let (labels, counts) = binned(
            &[0.0, 0.05, 0.5, 0.99, 1.0, f64::NAN, -3.0],
            0.0,
            1.0,
            10,
            1,
        );
        assert_eq!(labels.len(), 10);
        assert_eq!(labels[5], "0.5");
        // -3 is clamped into the first bin, 1.0 into the last
        assert_eq!(
            counts,
            vec![3.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0]
        );
    }

    #[test]
    fn count_bins_use_one_bar_per_value_or_equal_bins() {
        let (labels, v) = count_bins(&[3, 5, 5, 4]);
        assert_eq!(labels, ["3", "4", "5"]);
        assert_eq!(v, [1.0, 1.0, 2.0]);
        let many: Vec<u64> = (1..=100).collect();
        let (labels, v) = count_bins(&many);
        assert_eq!(labels.len(), 20);
        assert_eq!((labels[0].as_str(), labels[1].as_str()), ("1", "6"));
        assert!(v.iter().all(|&c| c == 5.0));
    }

    /// The page is the same bytes on every run: the bars come left to right.
    #[test]
    fn bars_are_drawn_left_to_right_on_every_run() {
        let labels: Vec<String> = (0..12).map(|i| i.to_string()).collect();
        let values: Vec<f64> = (0..12).map(|i| 1.0 + f64::from(i % 5)).collect();
        let first = bars("x", "y", &labels, &values, None).expect("chart");
        let xs: Vec<i64> = first
            .split("<rect ")
            .skip(1)
            .filter(|r| r.contains("opacity=\"0.8\""))
            .map(|r| {
                let x = r.split("x=\"").nth(1).expect("x");
                x[..x.find('"').expect("quote")].parse().expect("int")
            })
            .collect();
        assert_eq!(xs.len(), 12);
        let widths = first
            .split("<rect ")
            .skip(1)
            .filter(|r| r.contains("opacity=\"0.8\""))
            .map(|r| {
                let w = r.split("width=\"").nth(1).expect("width");
                w[..w.find('"').expect("quote")]
                    .parse::<i64>()
                    .expect("int")
            });
        // the last bar too: it ends at the axis' end, not past it
        assert!(
            widths.clone().all(|w| w > 0),
            "{:?}",
            widths.collect::<Vec<_>>()
        );
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
        for _ in 0..5 {
            assert_eq!(
                bars("x", "y", &labels, &values, None).expect("chart"),
                first
            );
        }
        // a single bar spans its whole segment (`Exact(1)` of a one-value axis is its start)
        let one = bars("x", "y", &["a".into()], &[1.0], None).expect("chart");
        let w = one
            .split("opacity=\"0.8\"")
            .next()
            .and_then(|head| head.rsplit("width=\"").next())
            .expect("bar");
        let w: i64 = w[..w.find('"').expect("quote")].parse().expect("int");
        assert!(w > 0, "single bar width {w}");
    }

    #[test]
    fn chart_text_is_escaped_by_the_backend() {
        let s = bars("x", "y", &["<b>&".into()], &[1.0], None).expect("chart");
        assert!(s.starts_with("<svg"));
        assert!(!s.contains("<b>"));
        assert!(s.contains("&lt;b&gt;&amp;"));
    }
}
