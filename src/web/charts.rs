//! Charts drawn on the server as SVG: bars, lines, a funnel and sparklines, with axes on round
//! numbers, labels, and a title and description for screen readers (pages also show the numbers
//! as a table). No script and nothing loaded from elsewhere; colours come from the stylesheet
//! (`.chart-*` classes), so charts follow the theme and print.

use std::fmt::Write;

/// A drawn chart: SVG markup to place with `|safe` (every text in it is escaped here).
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub svg: String,
}

/// One line of a line chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;
/// The most category labels drawn under an axis; between them every n-th is drawn.
const MAX_X_LABELS: usize = 12;

/// Vertical bars, one per `(label, value)`; negative values count as zero.
pub fn bars(title: &str, description: &str, data: &[(String, f64)]) -> Chart {
    let max = data.iter().map(|(_, v)| v.max(0.0)).fold(0.0, f64::max);
    let ticks = nice_ticks(max);
    let top = ticks.last().copied().unwrap_or(1.0);
    let mut svg = open(title, description, "chart-bars");
    axes(&mut svg, &ticks, top);
    let slot = plot_width() / data.len().max(1) as f64;
    let width = (slot * 0.7).max(1.0);
    let every = label_every(data.len());
    for (i, (label, value)) in data.iter().enumerate() {
        let h = value.max(0.0) / top * plot_height();
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        let _ = write!(
            svg,
            r#"<rect class="chart-bar" x="{x:.1}" y="{:.1}" width="{width:.1}" height="{h:.1}"><title>{}: {}</title></rect>"#,
            TOP + plot_height() - h,
            escape(label),
            number(*value)
        );
        if i % every == 0 {
            x_label(&mut svg, LEFT + slot * (i as f64 + 0.5), label);
        }
    }
    close(svg)
}

/// Lines over shared categories (`labels`), one per series, with a legend when there are two
/// or more.
pub fn lines(title: &str, description: &str, labels: &[String], series: &[Series]) -> Chart {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter())
        .fold(0.0_f64, |m, v| m.max(*v));
    let ticks = nice_ticks(max);
    let top = ticks.last().copied().unwrap_or(1.0);
    let mut svg = open(title, description, "chart-lines");
    axes(&mut svg, &ticks, top);
    let step = if labels.len() > 1 {
        plot_width() / (labels.len() - 1) as f64
    } else {
        0.0
    };
    let x_of = |i: usize| {
        if labels.len() > 1 {
            LEFT + step * i as f64
        } else {
            LEFT + plot_width() / 2.0
        }
    };
    let every = label_every(labels.len());
    for (i, label) in labels.iter().enumerate() {
        if i % every == 0 {
            x_label(&mut svg, x_of(i), label);
        }
    }
    for (n, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .values
            .iter()
            .take(labels.len())
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v, top)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="chart-line chart-series-{}" fill="none" points="{}"><title>{}</title></polyline>"#,
            n % 4 + 1,
            points.join(" "),
            escape(&s.name)
        );
        for (i, v) in s.values.iter().take(labels.len()).enumerate() {
            let _ = write!(
                svg,
                r#"<circle class="chart-dot chart-series-{}" cx="{:.1}" cy="{:.1}" r="3"><title>{} {}: {}</title></circle>"#,
                n % 4 + 1,
                x_of(i),
                y_of(*v, top),
                escape(&s.name),
                escape(&labels[i]),
                number(*v)
            );
        }
    }
    if series.len() > 1 {
        let mut x = LEFT;
        for (n, s) in series.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<rect class="chart-series-{} chart-key" x="{x:.1}" y="{:.1}" width="10" height="10"/><text class="chart-legend" x="{:.1}" y="{:.1}">{}</text>"#,
                n % 4 + 1,
                HEIGHT - 11.0,
                x + 14.0,
                HEIGHT - 2.0,
                escape(&s.name)
            );
            x += 24.0 + 7.0 * s.name.chars().count() as f64;
        }
    }
    close(svg)
}

/// A funnel: one horizontal bar per stage, centred, widths in proportion to the counts.
pub fn funnel(title: &str, description: &str, stages: &[(String, f64)]) -> Chart {
    let max = stages.iter().map(|(_, v)| v.max(0.0)).fold(0.0, f64::max);
    let row = 30.0;
    let height = (row * stages.len() as f64).max(row);
    let label_width = 160.0;
    let room = WIDTH - label_width - 60.0;
    let mut svg = open_sized(title, description, "chart-funnel", WIDTH, height);
    for (i, (label, value)) in stages.iter().enumerate() {
        let w = if max > 0.0 {
            (value.max(0.0) / max * room).max(2.0)
        } else {
            2.0
        };
        let y = row * i as f64;
        let x = label_width + (room - w) / 2.0;
        let _ = write!(
            svg,
            r#"<text class="chart-label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect class="chart-bar chart-stage-{}" x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" rx="3"><title>{}: {}</title></rect><text class="chart-value" x="{:.1}" y="{:.1}">{}</text>"#,
            label_width - 8.0,
            y + row / 2.0 + 4.0,
            escape(label),
            i % 6 + 1,
            y + 3.0,
            row - 6.0,
            escape(label),
            number(*value),
            label_width + room + 8.0,
            y + row / 2.0 + 4.0,
            number(*value)
        );
    }
    close(svg)
}

/// A small line without axes, for a table cell; its numbers must be said next to it.
pub fn sparkline(label: &str, values: &[f64]) -> Chart {
    let (w, h) = (96.0, 24.0);
    let max = values.iter().fold(0.0_f64, |m, v| m.max(*v));
    let top = if max > 0.0 { max } else { 1.0 };
    let step = if values.len() > 1 {
        w / (values.len() - 1) as f64
    } else {
        0.0
    };
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                step * i as f64,
                h - 2.0 - v.max(0.0) / top * (h - 4.0)
            )
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart chart-spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}"><polyline class="chart-line" fill="none" points="{}"/></svg>"#,
        escape(label),
        points.join(" ")
    );
    Chart { svg }
}

/// Axis ticks from zero to a round number at or above `max`: 0, 5, 10, … (steps of 1, 2 or
/// 5 times a power of ten, five or fewer intervals).
pub fn nice_ticks(max: f64) -> Vec<f64> {
    if !max.is_finite() || max <= 0.0 {
        return vec![0.0, 1.0];
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    let count = (max / step).ceil().max(1.0) as usize;
    (0..=count).map(|i| step * i as f64).collect()
}

fn plot_width() -> f64 {
    WIDTH - LEFT - RIGHT
}

fn plot_height() -> f64 {
    HEIGHT - TOP - BOTTOM
}

fn y_of(value: f64, top: f64) -> f64 {
    TOP + plot_height() - value.max(0.0) / top * plot_height()
}

fn label_every(count: usize) -> usize {
    count.div_ceil(MAX_X_LABELS).max(1)
}

fn open(title: &str, description: &str, class: &str) -> String {
    open_sized(title, description, class, WIDTH, HEIGHT)
}

fn open_sized(title: &str, description: &str, class: &str, width: f64, height: f64) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart {class}" viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" role="img"><title>{}</title><desc>{}</desc>"#,
        escape(title),
        escape(description)
    );
    svg
}

fn close(mut svg: String) -> Chart {
    svg.push_str("</svg>");
    Chart { svg }
}

fn axes(svg: &mut String, ticks: &[f64], top: f64) {
    for t in ticks {
        let y = y_of(*t, top);
        let _ = write!(
            svg,
            r#"<line class="chart-grid" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}"/><text class="chart-tick" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            number(*t)
        );
    }
    let _ = write!(
        svg,
        r#"<line class="chart-axis" x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}"/>"#,
        WIDTH - RIGHT,
        TOP + plot_height(),
        TOP + plot_height()
    );
}

fn x_label(svg: &mut String, x: f64, label: &str) {
    let _ = write!(
        svg,
        r#"<text class="chart-tick" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        HEIGHT - BOTTOM + 16.0,
        escape(label)
    );
}

/// A number as axes and tooltips show it: whole numbers with thousands separators, else one
/// decimal.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if (v - v.round()).abs() < 1e-9 {
        let digits = format!("{}", v.round().abs() as i64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.1}")
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(values: &[f64]) -> Vec<(String, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("M{}", i + 1), *v))
            .collect()
    }

    #[test]
    fn ticks_land_on_round_numbers_at_or_above_the_top() {
        assert_eq!(nice_ticks(0.0), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(f64::NAN), vec![0.0, 1.0]);
        assert_eq!(nice_ticks(7.0), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_ticks(100.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(0.3), vec![0.0, 0.1, 0.2, 0.30000000000000004]);
        let big = nice_ticks(123_456.0);
        assert!(*big.last().unwrap() >= 123_456.0 && big.len() <= 7);
    }

    #[test]
    fn a_bar_chart_has_a_bar_per_value_a_title_and_escaped_labels() {
        let mut d = data(&[3.0, 0.0, 12.0]);
        d[0].0 = "<script>".into();
        let chart = bars("Referrals a month", "Three months", &d);
        assert_eq!(chart.svg.matches("<rect class=\"chart-bar\"").count(), 3);
        assert!(chart.svg.contains("<title>Referrals a month</title>"));
        assert!(chart.svg.contains("&lt;script&gt;"));
        assert!(!chart.svg.contains("<script>"));
        assert!(chart.svg.contains("role=\"img\""));
    }

    #[test]
    fn charts_of_nothing_still_draw_an_axis_and_never_divide_by_zero() {
        for svg in [
            bars("t", "d", &[]).svg,
            bars("t", "d", &data(&[0.0, 0.0])).svg,
            lines("t", "d", &[], &[]).svg,
            lines(
                "t",
                "d",
                &["Jan".into()],
                &[Series {
                    name: "a".into(),
                    values: vec![0.0],
                }],
            )
            .svg,
            funnel("t", "d", &data(&[0.0])).svg,
            sparkline("s", &[]).svg,
            sparkline("s", &[5.0]).svg,
        ] {
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert!(svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn many_categories_label_every_nth() {
        let chart = bars("t", "d", &data(&[1.0; 36]));
        let labels = chart.svg.matches("text-anchor=\"middle\"").count();
        assert_eq!(labels, 12);
    }

    #[test]
    fn lines_draw_each_series_with_a_legend() {
        let labels: Vec<String> = ["Jan", "Feb", "Mar"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let chart = lines(
            "Trend",
            "Two lines",
            &labels,
            &[
                Series {
                    name: "Own".into(),
                    values: vec![1.0, 2.0, 3.0],
                },
                Series {
                    name: "Elsewhere".into(),
                    values: vec![3.0, 2.0, 1.0],
                },
            ],
        );
        assert_eq!(chart.svg.matches("<polyline").count(), 2);
        assert!(chart.svg.contains("chart-legend"));
        assert!(chart.svg.contains("Own Mar: 3"));
    }

    #[test]
    fn numbers_read_with_separators() {
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(number(-1200.0), "-1,200");
        assert_eq!(number(2.25), "2.2");
        assert_eq!(number(0.0), "0");
    }
}
