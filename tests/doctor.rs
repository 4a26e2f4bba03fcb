//! `pardata doctor`: the MPI and HDF5 versions it reports against what the system's own
//! tools say (`ompi_info`, `pkg-config`), the launcher and every rank's place at 1 to 3
//! ranks and alone, and the warning for a launcher whose ranks come up as worlds of one.

mod common;

use std::process::Command;

use common::launch;

/// What a system tool prints, trimmed.
fn tool(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn doctor(ranks: usize, env: &[(&str, &str)]) -> (serde_json::Value, String) {
    let run = launch(ranks, &["doctor", "--format", "json"], env).ok();
    let json = serde_json::from_str(&run.stdout).expect("doctor prints one JSON document");
    (json, run.stderr)
}

#[test]
fn doctor_reports_the_libraries_the_launcher_and_every_rank() {
    let ompi = tool("ompi_info", &["--parsable"]);
    let ompi_version = ompi
        .lines()
        .find_map(|l| l.strip_prefix("ompi:version:full:"))
        .expect("ompi_info gives its version");
    let hdf5 = tool("pkg-config", &["--modversion", "hdf5"]);
    for ranks in [0, 1, 3] {
        let (report, _) = doctor(ranks, &[]);
        let library = report["mpi_library"].as_str().unwrap();
        assert!(
            library.starts_with(&format!("Open MPI v{ompi_version}")),
            "{library}"
        );
        assert_eq!(report["hdf5"], hdf5.as_str());
        let expected_launcher = if ranks == 0 { "none" } else { "open_mpi" };
        assert_eq!(report["launch"]["launcher"], expected_launcher);
        let size = ranks.max(1);
        assert_eq!(report["ranks"], size);
        let places = report["places"].as_array().unwrap();
        let order: Vec<u64> = places.iter().map(|p| p["rank"].as_u64().unwrap()).collect();
        assert_eq!(order, (0..size as u64).collect::<Vec<_>>());
        let pids: std::collections::BTreeSet<u64> =
            places.iter().map(|p| p["pid"].as_u64().unwrap()).collect();
        assert_eq!(pids.len(), size, "one process per rank");
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let crowded = report["warnings"].as_array().unwrap().iter().any(|w| {
            w.as_str()
                .unwrap()
                .contains(&format!("which has {cores} cores"))
        });
        assert_eq!(crowded, size > cores, "{report}");
    }
}

#[test]
fn a_launcher_of_another_mpi_is_named_as_the_problem() {
    // What MPICH's mpiexec sets for the first of 4 ranks: pardata, built with Open MPI,
    // comes up as a world of one.
    let (report, stderr) = doctor(0, &[("PMI_RANK", "0"), ("PMI_SIZE", "4")]);
    assert_eq!(report["launch"]["launcher"], "hydra");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("started 4 ranks"), "{warnings}");
    assert!(
        stderr.contains("pardata: warning: the launcher started 4 ranks"),
        "every command warns: {stderr}"
    );
}

#[test]
fn the_shipped_hostfiles_pass_the_check_and_mistakes_are_placed() {
    let root = env!("CARGO_MANIFEST_DIR");
    let (report, _) = doctor(0, &[]);
    assert!(report["hostfile"].is_null(), "no hostfile asked for");
    for (file, hosts) in [
        ("hostfiles/laptop", 1),
        ("hostfiles/cluster.example", 2),
        ("hostfiles/mpich.machinefile", 2),
        ("hostfiles/namespaces", 3),
    ] {
        let path = format!("{root}/{file}");
        let run = launch(0, &["doctor", "--hostfile", &path, "--format", "json"], &[]).ok();
        let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            report["hostfile"]["hosts"].as_array().map(Vec::len),
            Some(hosts),
            "{file}"
        );
    }
    // hostfiles/laptop has 2 slots: 3 ranks are more than it holds.
    let laptop = format!("{root}/hostfiles/laptop");
    let run = launch(3, &["doctor", "--hostfile", &laptop], &[]).ok();
    assert!(
        run.stdout.contains("3 ranks but 2 slots in"),
        "{}",
        run.stdout
    );
    let dir = common::scratch("doctor-hostfile");
    let bad = dir.join("hosts");
    std::fs::write(&bad, "node01 slots=4\nnode02 slot=4\n").unwrap();
    let run = launch(2, &["doctor", "--hostfile", bad.to_str().unwrap()], &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&format!(
            "{}: line 2: column 8: unknown keyword 'slot'",
            bad.display()
        )),
        "{}",
        run.stderr
    );
}
