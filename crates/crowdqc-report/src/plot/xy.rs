//! Charts over two numeric or categorical axes: scatter with intervals, lines, a
//! forest plot of intervals, a heat map.

use crowdqc_core::Result;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{COLORS, FONT, plot_err, short, svg};

/// A point of a scatter plot: x, y, and the interval `(low, high)` of y when known.
pub type Point = (f64, f64, Option<(f64, f64)>);

/// One series of a scatter plot: points `(x, y)` with an optional vertical interval.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// Points: x, y, and the interval `(low, high)` of y when known.
    pub points: Vec<Point>,
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
    if xmin.partial_cmp(&xmax) != Some(std::cmp::Ordering::Less) {
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
            if pts.len() <= 30 {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(plot_err)?;
            }
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
            .build_cartesian_2d((lo - pad)..(hi + pad), (0u32..n - 1).into_segmented())
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
            .build_cartesian_2d(
                (0u32..k - 1).into_segmented(),
                (0u32..k - 1).into_segmented(),
            )
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
