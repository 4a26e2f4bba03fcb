//! Plots as SVG files (plotters' SVG backend: no fonts or system libraries needed), written
//! to a temporary name and renamed when complete: the daily means of `stats` and the
//! accuracy landscape of `cvsearch`; and PNG pictures of them (resvg).

use std::path::Path;

use plotters::prelude::*;

use crate::io::atomic::temporary_path;

/// A line chart of `points` (label, value) in order, the labels shown at a few ticks.
pub fn line_chart_svg(path: &Path, title: &str, points: &[(String, f64)]) -> Result<(), String> {
    drawn_to(path, |temporary| draw(temporary, title, points))
}

/// One point of the accuracy landscape: log10 C, log10 gamma, the mean validation score,
/// and whether it is among the best.
pub struct LandscapePoint {
    /// log10 of the candidate's C: the x coordinate.
    pub log_c: f64,
    /// log10 of the candidate's gamma: the y coordinate.
    pub log_gamma: f64,
    /// The mean validation score, 0 to 1 (coloured on that scale).
    pub score: f64,
    /// Whether it is among the best candidates (drawn outlined).
    pub best: bool,
}

/// The cvsearch landscape: x = log10(C), y = log10(gamma), both -10..10, one square per
/// candidate coloured by its score (viridis, 0 to 1, with a colour bar), the best outlined.
pub fn landscape_svg(path: &Path, points: &[LandscapePoint]) -> Result<(), String> {
    drawn_to(path, |temporary| draw_landscape(temporary, points))
}

/// A PNG picture of the SVG file `svg` at `png` (resvg: pure Rust; text in the system's
/// fonts, DejaVu on Debian, where there are any).
pub fn svg_to_png(svg: &Path, png: &Path) -> Result<(), String> {
    use resvg::{tiny_skia, usvg};
    let fail = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", png.display());
    let data = std::fs::read(svg).map_err(|e| fail(&e))?;
    let mut options = usvg::Options::default();
    let fonts = options.fontdb_mut();
    fonts.load_system_fonts();
    // plotters writes the generic "sans-serif", which fontdb maps to Arial unless told.
    fonts.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_data(&data, &options).map_err(|e| fail(&e))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| fail(&"the picture has no area"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let bytes = pixmap.encode_png().map_err(|e| fail(&e))?;
    super::write_file(png, &bytes)
}

/// Draws with `draw` at a temporary name, renamed to `path` when complete.
fn drawn_to(path: &Path, draw: impl FnOnce(&Path) -> Result<(), String>) -> Result<(), String> {
    let temporary = temporary_path(path);
    let drawn = draw(&temporary);
    let moved = drawn.and_then(|()| std::fs::rename(&temporary, path).map_err(|e| e.to_string()));
    if moved.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    moved.map_err(|e| format!("cannot write the plot {}: {e}", path.display()))
}

fn draw_landscape(path: &Path, points: &[LandscapePoint]) -> Result<(), String> {
    use plotters::style::colors::colormaps::ViridisRGB;
    let error = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::new(path, (760, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let (plot, bar) = root.split_horizontally(640);
    let mut chart = ChartBuilder::on(&plot)
        .caption("validation score", ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(-10.5f64..10.5, -10.5f64..10.5)
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_desc("log10(C)")
        .y_desc("log10(gamma)")
        .disable_mesh()
        .draw()
        .map_err(|e| error(&e))?;
    let half = 0.22;
    let square = |p: &LandscapePoint| {
        [
            (p.log_c - half, p.log_gamma - half),
            (p.log_c + half, p.log_gamma + half),
        ]
    };
    chart
        .draw_series(points.iter().map(|p| {
            let colour = ViridisRGB::get_color_normalized(p.score.clamp(0.0, 1.0), 0.0, 1.0);
            Rectangle::new(square(p), colour.filled())
        }))
        .map_err(|e| error(&e))?;
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.best)
                .map(|p| Rectangle::new(square(p), BLACK.stroke_width(2))),
        )
        .map_err(|e| error(&e))?;
    let mut scale = ChartBuilder::on(&bar)
        .margin_top(54)
        .margin_bottom(56)
        .margin_right(36)
        .y_label_area_size(46)
        .build_cartesian_2d(0f64..1.0, 0f64..1.0)
        .map_err(|e| error(&e))?;
    scale
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_style(("sans-serif", 13))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .draw()
        .map_err(|e| error(&e))?;
    scale
        .draw_series((0..100).map(|i| {
            let (low, high) = (i as f64 / 100.0, (i + 1) as f64 / 100.0);
            let colour = ViridisRGB::get_color_normalized(low, 0.0, 1.0);
            Rectangle::new([(0.0, low), (1.0, high)], colour.filled())
        }))
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}

fn draw(path: &Path, title: &str, points: &[(String, f64)]) -> Result<(), String> {
    let error = |e: &dyn std::fmt::Display| e.to_string();
    let (low, high) = points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (_, v)| {
            (lo.min(*v), hi.max(*v))
        });
    let (low, high) = if low <= high { (low, high) } else { (0.0, 1.0) };
    let margin = ((high - low) * 0.05).max(1e-9);
    let root = SVGBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| error(&e))?;
    let count = points.len().max(2);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0..count - 1, (low - margin)..(high + margin))
        .map_err(|e| error(&e))?;
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|i| {
            points
                .get(*i)
                .map(|(label, _)| label.clone())
                .unwrap_or_default()
        })
        .draw()
        .map_err(|e| error(&e))?;
    chart
        .draw_series(LineSeries::new(
            points.iter().enumerate().map(|(i, (_, v))| (i, *v)),
            &BLUE,
        ))
        .map_err(|e| error(&e))?;
    root.present().map_err(|e| error(&e))
}
