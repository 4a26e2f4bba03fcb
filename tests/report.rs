//! `--report FILE.html`: a self-contained page (nothing to fetch) with the run's facts, a
//! table and a timeline row per rank, and a diagnosis that names the communication share of
//! a Bag correlation on 3 ranks.

mod common;

use common::{launch, scratch, tutorial_frames};

/// The report of a Bag correlation of the tutorial's frames on 3 ranks, in `dir`.
fn bag_correlation_report(dir: &std::path::Path) -> std::path::PathBuf {
    let json = tutorial_frames(dir);
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
    report
}

#[test]
fn a_bag_correlation_on_three_ranks_is_reported_with_its_communication() {
    let dir = scratch("report-bag");
    let report = bag_correlation_report(&dir);
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

/// Hosts the browser itself calls on start (updates, time, dictionaries), not the page.
const BROWSER_OWN_HOSTS: [&str; 3] = ["google.com", "googleapis.com", "gvt1.com"];

#[test]
fn the_report_loads_in_a_headless_browser_without_errors_or_requests() {
    let Some(chromium) = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| which(name))
    else {
        eprintln!("skipped: no chromium (the test command installs Debian's chromium package)");
        return;
    };
    let dir = scratch("report-browser");
    let report = bag_correlation_report(&dir);
    let page = format!("file://{}", report.canonicalize().unwrap().display());
    let netlog = dir.join("netlog.json");
    let screenshot = dir.join("report.png");
    let browse = |extra: &[String]| {
        std::process::Command::new("timeout")
            .arg("60")
            .arg(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                // Any request the page made would go to a closed port and fail.
                "--proxy-server=127.0.0.1:9",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1200,900",
            ])
            .args(extra)
            .arg(&page)
            .output()
            .expect("chromium runs")
    };
    let dom = browse(&[
        format!("--log-net-log={}", netlog.display()),
        "--dump-dom".to_string(),
    ]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom_text.matches("class=\"rank-row\"").count(),
        3,
        "one timeline row per rank in the loaded page"
    );
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(!log.contains(":CONSOLE"), "console messages: {log}");
    let requests = std::fs::read_to_string(&netlog).expect("the network log");
    let page_requests: Vec<&str> = requests
        .split("\"url\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|url| !url.starts_with("file://"))
        .filter(|url| {
            let host = url.split('/').nth(2).unwrap_or_default();
            !BROWSER_OWN_HOSTS.iter().any(|own| host.ends_with(own))
        })
        .collect();
    assert!(
        page_requests.is_empty(),
        "the page made requests: {page_requests:?}"
    );
    let shot = browse(&[format!("--screenshot={}", screenshot.display())]);
    assert!(shot.status.success());
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n"), "the screenshot is a PNG");
    eprintln!("screenshot: {}", screenshot.display());
}

fn which(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn profile_writes_a_flame_graph_per_rank() {
    let dir = scratch("report-profile");
    let flames = dir.join("flames");
    launch(
        2,
        &[
            "cvsearch",
            "--samples",
            "3",
            "--out",
            dir.join("cv").to_str().unwrap(),
            "--profile",
            flames.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    for rank in 0..2 {
        let svg = std::fs::read_to_string(flames.join(format!("rank-{rank}.svg")))
            .unwrap_or_else(|e| panic!("rank {rank}'s flame graph: {e}"));
        assert!(svg.contains("<svg"), "rank {rank}: an SVG");
        assert!(
            svg.contains("cvsearch"),
            "rank {rank}: the search's frames were sampled"
        );
    }
}
