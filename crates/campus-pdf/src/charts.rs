//! Charts as SVG, drawn with plotters and embedded in a report as an image. Labels use the
//! same embedded font as the document (registered with plotters from bytes, so nothing is read
//! from the system).

use std::sync::LazyLock;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::RenderError;

/// The family the charts' text is set in; typst resolves it from its own embedded fonts.
const FAMILY: &str = "Libertinus Serif";

static FONT_READY: LazyLock<bool> = LazyLock::new(|| {
    typst_assets::fonts()
        .find(|data| {
            typst::text::Font::new(typst::foundations::Bytes::new(*data), 0)
                .is_some_and(|f| f.info().family == FAMILY && f.info().variant.weight.to_number() == 400)
        })
        .is_some_and(|data| register_font(FAMILY, FontStyle::Normal, data).is_ok())
});

/// One point of a line chart: a label on the x axis and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: f64,
}

fn chart_error(e: impl std::fmt::Display) -> RenderError {
    RenderError::Chart(e.to_string())
}

/// A line chart of `points` in order, the y axis from 0 to `y_max`; an SVG document.
pub fn line_chart(title: &str, points: &[Point], y_max: f64) -> Result<String, RenderError> {
    if !*FONT_READY {
        return Err(RenderError::Chart("the chart font is not available".into()));
    }
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 300)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let n = points.len().max(1);
        let x_max = (n as f64 - 0.5).max(0.5);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(44)
            .build_cartesian_2d(-0.5f64..x_max, 0f64..y_max)
            .map_err(chart_error)?;
        let label_of = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 {
                return String::new();
            }
            points
                .get(i as usize)
                .map(|p| p.label.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&label_of)
            .y_labels(5)
            .y_label_formatter(&|y| format!("{y:.1}"))
            .label_style((FAMILY, 14))
            .disable_x_mesh()
            .draw()
            .map_err(chart_error)?;
        let blue = RGBColor(31, 87, 160);
        let series = points.iter().enumerate().map(|(i, p)| (i as f64, p.value));
        chart
            .draw_series(LineSeries::new(series.clone(), blue.stroke_width(2)))
            .map_err(chart_error)?;
        chart
            .draw_series(series.map(|c| Circle::new(c, 4, blue.filled())))
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

/// A bar chart of `points` in order (one bar per point, the y axis from 0 to the largest
/// value); an SVG document of `width` × `height`. The web pages put the same numbers in a
/// table beside it for screen readers.
pub fn bar_chart(title: &str, points: &[Point], (width, height): (u32, u32)) -> Result<String, RenderError> {
    if !*FONT_READY {
        return Err(RenderError::Chart("the chart font is not available".into()));
    }
    let y_max = points.iter().map(|p| p.value).fold(0.0f64, f64::max).max(1.0) * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let n = points.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FAMILY, 18))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(56)
            .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), 0f64..y_max)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => points.get(*i).map(|p| p.label.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .y_labels(5)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FAMILY, 14))
            .disable_x_mesh()
            .draw()
            .map_err(chart_error)?;
        let blue = RGBColor(31, 78, 140);
        chart
            .draw_series(
                Histogram::vertical(&chart)
                    .style(blue.filled())
                    .margin(12)
                    .data(points.iter().enumerate().map(|(i, p)| (i, p.value))),
            )
            .map_err(chart_error)?;
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_line_chart_is_an_svg_with_its_labels() {
        let points = vec![
            Point {
                label: "2025-T1".into(),
                value: 3.1,
            },
            Point {
                label: "2025-T2".into(),
                value: 3.4,
            },
        ];
        let svg = line_chart("GPA by term", &points, 4.0).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("2025-T1") && svg.contains("2025-T2"));
        assert!(svg.contains("GPA by term"));
    }

    #[test]
    fn a_bar_chart_has_a_bar_and_a_label_per_point() {
        let points: Vec<Point> = [("0-30", 120.0), ("31-60", 0.0), ("over 90", 35.5)]
            .into_iter()
            .map(|(label, value)| Point {
                label: label.into(),
                value,
            })
            .collect();
        let svg = bar_chart("Dues by age", &points, (480, 260)).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        for p in &points {
            assert!(svg.contains(&p.label), "{}", p.label);
        }
        // Two bars with height (the zero bucket draws none or an empty one).
        assert!(svg.matches("<rect").count() >= 3, "{svg}");
    }
}
