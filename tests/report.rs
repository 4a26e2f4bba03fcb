//! `--report FILE.html`: a self-contained page (nothing to fetch) with the run's facts, a
//! table and a timeline row per rank, and a diagnosis that names the communication share of
//! a Bag correlation on 3 ranks.

mod common;

use common::{launch, scratch, tutorial_frames};

#[test]
fn a_bag_correlation_on_three_ranks_is_reported_with_its_communication() {
    let dir = scratch("report-bag");
    let json = tutorial_frames(&dir);
    let report = dir.join("report.html");
    launch(
        3,
        &[
            "correlate",
            json.to_str().unwrap(),
            "--engine",
            "bag",
            "--report",
            report.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    let html = std::fs::read_to_string(&report).expect("the report is UTF-8 text");
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for rank in 0..3 {
        assert!(
            html.contains(&format!("data-rank=\"{rank}\"")),
            "row of rank {rank}"
        );
    }
    assert!(!html.contains("data-rank=\"3\""), "one row per rank");
    assert!(html.contains("3 ranks on 1 host"), "ranks and hosts");
    assert!(html.contains("Open MPI"), "the MPI library");
    let diagnosis = html
        .split("<ul id=\"diagnosis\">")
        .nth(1)
        .and_then(|rest| rest.split("</ul>").next())
        .expect("a diagnosis");
    assert!(
        diagnosis.contains("% communication"),
        "the communication share: {diagnosis}"
    );
    // Self-contained: nothing for a browser to fetch (the SVG namespace is a name, not a
    // request).
    let outside = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for reference in [
        "http://", "https://", "<script", "<link", "url(", "@import", "src=",
    ] {
        assert!(
            !outside.contains(reference),
            "the page refers to {reference}"
        );
    }
}
