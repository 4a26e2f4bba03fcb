//! Plots as SVG files (plotters' SVG backend: no fonts or system libraries needed), written
//! to a temporary name and renamed when complete.

use std::path::Path;

use plotters::prelude::*;

use crate::io::atomic::temporary_path;

/// A line chart of `points` (label, value) in order, the labels shown at a few ticks.
pub fn line_chart_svg(path: &Path, title: &str, points: &[(String, f64)]) -> Result<(), String> {
    let temporary = temporary_path(path);
    let drawn = draw(&temporary, title, points);
    let moved = drawn.and_then(|()| std::fs::rename(&temporary, path).map_err(|e| e.to_string()));
    if moved.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    moved.map_err(|e| format!("cannot write the plot {}: {e}", path.display()))
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
