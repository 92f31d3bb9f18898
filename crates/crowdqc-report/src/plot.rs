//! Charts drawn with `plotters`' SVG backend, each returned as an inline `<svg>`
//! element. Text drawn into a chart (labels, ids) is escaped by the backend.

use crowdqc_core::{Error, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The palette: model (blue), gold (orange), then further series.
pub const COLORS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(230, 120, 20),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
];

const FONT: &str = "sans-serif";

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::library("drawing a chart", std::io::Error::other(e.to_string()))
}

/// Runs `draw` on a `w × h` SVG canvas and returns the `<svg>` element (without the
/// XML namespace attribute, which inline SVG in HTML does not need).
fn svg(
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
    let w = (120 + 28 * n).clamp(360, 640);
    svg(w, 260, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(42)
            .y_label_area_size(56)
            .build_cartesian_2d((0u32..n).into_segmented(), 0f64..top)
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
            .x_labels(labels.len().min(24))
            .x_label_formatter(&fmt)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(COLORS[0].mix(0.8).filled())
                    .margin(2)
                    .data(values.iter().enumerate().map(|(i, &v)| (i as u32, v))),
            )
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
/// when there are few distinct values, otherwise bins of equal width.
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
        .map(|b| format!("{}–{}", lo + b * width, lo + (b + 1) * width - 1))
        .collect();
    (labels, v)
}

/// One series of a scatter plot: points `(x, y)` with an optional vertical interval.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Points: x, y, and the interval `(low, high)` of y when known.
    pub points: Vec<(f64, f64, Option<(f64, f64)>)>,
}

/// A scatter plot of accuracies (y in [0, 1]) against a volume on a log x axis,
/// one colour per series, intervals as error bars.
pub fn scatter(x_desc: &str, y_desc: &str, series: &[Series]) -> Result<String> {
    let xmax = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(1.0f64, f64::max)
        * 1.3;
    svg(640, 380, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d((0.8f64..xmax).log_scale(), 0f64..1.02)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        for (k, s) in series.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            chart
                .draw_series(s.points.iter().filter_map(|&(x, _, iv)| {
                    iv.map(|(lo, hi)| {
                        ErrorBar::new_vertical(x, lo, (lo + hi) / 2.0, hi, color.mix(0.35), 3)
                    })
                }))
                .map_err(plot_err)?;
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&(x, y, _)| Circle::new((x, y), 3, color.mix(0.85).filled())),
                )
                .map_err(plot_err)?
                .label(short(&s.name, 40))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        Ok(())
    })
}

/// Lines over x with y in [0, 1] (probabilities), one colour per named series.
pub fn lines(x_desc: &str, y_desc: &str, series: &[(String, Vec<(f64, f64)>)]) -> Result<String> {
    let (mut xmin, mut xmax) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, pts) in series {
        for &(x, _) in pts {
            xmin = xmin.min(x);
            xmax = xmax.max(x);
        }
    }
    if !(xmin < xmax) {
        (xmin, xmax) = (0.0, 1.0);
    }
    svg(560, 340, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .build_cartesian_2d(xmin..xmax, 0f64..1.02)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        for (k, (name, pts)) in series.iter().enumerate() {
            let color = COLORS[k % COLORS.len()];
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
                .map_err(plot_err)?
                .label(short(name, 40))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 14, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::MiddleRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        Ok(())
    })
}

/// Estimates with intervals on a horizontal axis, one row per name (first at the top):
/// a forest plot.
pub fn forest(x_desc: &str, rows: &[(String, f64, f64, f64)]) -> Result<String> {
    let n = rows.len().max(1) as u32;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for r in rows {
        for v in [r.1, r.2, r.3] {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
    }
    let pad = (hi - lo) * 0.05;
    svg(600, 60 + 26 * n, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d((lo - pad)..(hi + pad), (0u32..n).into_segmented())
            .map_err(plot_err)?;
        let fmt = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) => (n - 1)
                .checked_sub(*i)
                .and_then(|j| rows.get(j as usize))
                .map(|r| short(&r.0, 26))
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows.len())
            .y_label_formatter(&fmt)
            .x_desc(x_desc)
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        let at = |i: usize| SegmentValue::CenterOf(n - 1 - i as u32);
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| r.2.is_finite())
                    .map(|(i, r)| {
                        ErrorBar::new_horizontal(at(i), r.2, r.1, r.3, COLORS[0].stroke_width(2), 8)
                    }),
            )
            .map_err(plot_err)?;
        chart
            .draw_series(
                rows.iter()
                    .enumerate()
                    .filter(|(_, r)| r.1.is_finite())
                    .map(|(i, r)| Circle::new((r.1, at(i)), 4, COLORS[0].filled())),
            )
            .map_err(plot_err)?;
        Ok(())
    })
}

/// A heat map of a row-stochastic matrix (rows: true class, columns: answer), each cell
/// labelled with its value.
pub fn heatmap(labels: &[String], cells: &[Vec<f64>]) -> Result<String> {
    let k = labels.len().max(1) as u32;
    let side = (60 + 44 * k).clamp(220, 520);
    svg(side + 90, side + 60, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((0u32..k).into_segmented(), (0u32..k).into_segmented())
            .map_err(plot_err)?;
        let xf = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) => labels
                .get(*i as usize)
                .map(|s| short(s, 8))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let yf = |v: &SegmentValue<u32>| match v {
            SegmentValue::CenterOf(i) => (k - 1)
                .checked_sub(*i)
                .and_then(|j| labels.get(j as usize))
                .map(|s| short(s, 8))
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(k as usize)
            .y_labels(k as usize)
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .x_desc("answer given")
            .y_desc("true class (model)")
            .label_style((FONT, 12))
            .draw()
            .map_err(plot_err)?;
        let mut rects = Vec::new();
        let mut texts = Vec::new();
        for (r, row) in cells.iter().enumerate() {
            let y = k - 1 - r as u32;
            for (c, &v) in row.iter().enumerate() {
                let c = c as u32;
                let v = if v.is_finite() {
                    v.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let shade = |full: u8| (255.0 - (255.0 - f64::from(full)) * v) as u8;
                let color = RGBColor(shade(8), shade(69), shade(148));
                rects.push(Rectangle::new(
                    [
                        (SegmentValue::Exact(c), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(c + 1), SegmentValue::Exact(y + 1)),
                    ],
                    color.filled(),
                ));
                let ink: &'static RGBColor = if v > 0.55 { &WHITE } else { &BLACK };
                let style = TextStyle::from((FONT, 13).into_font())
                    .color(ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                texts.push(Text::new(
                    format!("{v:.2}"),
                    (SegmentValue::CenterOf(c), SegmentValue::CenterOf(y)),
                    style,
                ));
            }
        }
        chart.draw_series(rects).map_err(plot_err)?;
        chart.draw_series(texts).map_err(plot_err)?;
        Ok(())
    })
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
        assert_eq!(labels[0], "1–5");
        assert!(v.iter().all(|&c| c == 5.0));
    }

    #[test]
    fn chart_text_is_escaped_by_the_backend() {
        let s = bars("x", "y", &["<b>&".into()], &[1.0], None).expect("chart");
        assert!(s.starts_with("<svg"));
        assert!(!s.contains("<b>"));
        assert!(s.contains("&lt;b&gt;&amp;"));
    }
}
