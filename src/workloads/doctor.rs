//! `pardata doctor`: what this run sees of its world, the first thing to look at when a job
//! behaves oddly on a new machine or cluster. The MPI library (as it names itself), the
//! launcher, the ranks and where each runs with its cores, the HDF5 library, and warnings
//! for the mistakes that cost users hours: a launcher of another MPI library (every rank a
//! world of one), more ranks (or ranks x threads) than cores, running as root; with `--hostfile`, the hostfile's
//! mistakes ([`crate::io::hostfile`]) and more ranks than its slots.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use std::path::PathBuf;

use crate::io::frame::hdf5_version;
use crate::io::hostfile::{self, HostEntry};
use crate::runtime::launch::{mpi_library, mpi_standard, Launch, Launcher, RankPlace};
use crate::runtime::{JobFailure, World};

/// What to look at besides the world.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    pub hostfile: Option<PathBuf>,
}

/// A hostfile that passed the check.
#[derive(Debug, Serialize)]
pub struct HostfileReport {
    pub path: PathBuf,
    pub hosts: Vec<HostEntry>,
    /// The slots of all hosts, when every host names its slots.
    pub slots: Option<u32>,
}

/// What `doctor` found.
#[derive(Debug, Serialize)]
pub struct DoctorSummary {
    pub pardata: String,
    pub mpi_library: String,
    pub mpi_standard: String,
    pub hdf5: String,
    pub launch: Launch,
    pub ranks: usize,
    pub places: Vec<RankPlace>,
    pub hostfile: Option<HostfileReport>,
    pub warnings: Vec<String>,
}

/// Looks at the world (a collective: every rank calls it).
pub fn doctor(world: &World, options: &DoctorOptions) -> Result<DoctorSummary, JobFailure> {
    let launch = world.launch().clone();
    let places = world.places();
    let mut warnings = warnings(&launch, &places);
    let hostfile = match &options.hostfile {
        Some(path) => {
            let hosts = world.agree(hostfile::read(path))?;
            let slots = hosts.iter().map(|h| h.slots).sum::<Option<u32>>();
            if let Some(slots) = slots.filter(|&s| (s as usize) < world.size()) {
                warnings.push(format!(
                    "{} ranks but {} slots in {}: mpirun will refuse without --oversubscribe",
                    world.size(),
                    slots,
                    path.display()
                ));
            }
            Some(HostfileReport {
                path: path.clone(),
                hosts,
                slots,
            })
        }
        None => None,
    };
    Ok(DoctorSummary {
        pardata: env!("CARGO_PKG_VERSION").to_string(),
        mpi_library: mpi_library(),
        mpi_standard: mpi_standard(),
        hdf5: hdf5_version(),
        launch,
        ranks: world.size(),
        places,
        hostfile,
        warnings,
    })
}

/// The ranks on each host, in host order.
fn ranks_per_host(places: &[RankPlace]) -> BTreeMap<&str, Vec<&RankPlace>> {
    let mut hosts: BTreeMap<&str, Vec<&RankPlace>> = BTreeMap::new();
    for place in places {
        hosts.entry(place.host.as_str()).or_default().push(place);
    }
    hosts
}

fn warnings(launch: &Launch, places: &[RankPlace]) -> Vec<String> {
    let mut warnings: Vec<String> = launch.size_mismatch(places.len()).into_iter().collect();
    for (host, ranks) in ranks_per_host(places) {
        let cores = ranks.iter().map(|p| p.host_cores).max().unwrap_or(0);
        if cores > 0 && ranks.len() > cores {
            warnings.push(format!(
                "{} ranks on {host}, which has {cores} cores: the ranks take turns on the \
                 cores, so the run is slower than with {cores} ranks and its timings say little",
                ranks.len()
            ));
        } else if cores > 0 && ranks.iter().map(|p| p.threads).sum::<usize>() > cores {
            let threads: usize = ranks.iter().map(|p| p.threads).sum();
            warnings.push(format!(
                "{} ranks on {host} run {threads} compute threads on its {cores} cores: \
                 they take turns; give --threads {} (or leave it out: the default shares \
                 the cores out)",
                ranks.len(),
                (cores / ranks.len()).max(1)
            ));
        }
    }
    if places.iter().any(|p| p.uid == Some(0)) {
        warnings.push(
            "running as root: Open MPI needs OMPI_ALLOW_RUN_AS_ROOT=1 and \
             OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 for it, and a mistake in a job file can \
             overwrite any file; run as a normal user where you can"
                .to_string(),
        );
    }
    warnings
}

impl fmt::Display for DoctorSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let launcher = match self.launch.launcher {
            Launcher::OpenMpi => "Open MPI mpirun",
            Launcher::SlurmPmix => "Slurm srun (PMIx)",
            Launcher::SlurmPmi2 => "Slurm srun (PMI-2)",
            Launcher::Hydra => "MPICH Hydra mpiexec",
            Launcher::Pmix => "a PMIx launcher",
            Launcher::None => "none (a plain run)",
        };
        writeln!(f, "pardata {}", self.pardata)?;
        writeln!(f, "  MPI library:  {}", self.mpi_library)?;
        writeln!(f, "  MPI standard: {}", self.mpi_standard)?;
        writeln!(f, "  HDF5:         {}", self.hdf5)?;
        write!(f, "  launcher:     {launcher}")?;
        if let Some(expected) = self.launch.expected_ranks {
            write!(f, ", {expected} ranks started")?;
        }
        if let Some(job) = &self.launch.slurm_job {
            write!(f, ", in Slurm job {job}")?;
            if let Some(tasks) = self.launch.slurm_tasks {
                write!(f, " of {tasks} tasks")?;
            }
        }
        writeln!(f)?;
        let hosts = ranks_per_host(&self.places);
        writeln!(
            f,
            "  world:        {} rank{} on {} host{}",
            self.ranks,
            if self.ranks == 1 { "" } else { "s" },
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" }
        )?;
        for place in &self.places {
            writeln!(
                f,
                "    rank {}: {} (pid {}), {} of {} cores available, {} compute thread{}",
                place.rank,
                place.host,
                place.pid,
                place.cores_available,
                place.host_cores,
                place.threads,
                if place.threads == 1 { "" } else { "s" }
            )?;
        }
        if let Some(report) = &self.hostfile {
            let slots = report
                .slots
                .map_or("slots as each host's cores".to_string(), |s| {
                    format!("{s} slots")
                });
            writeln!(
                f,
                "  hostfile:     {}: {} host{}, {slots}",
                report.path.display(),
                report.hosts.len(),
                if report.hosts.len() == 1 { "" } else { "s" }
            )?;
        }
        if self.warnings.is_empty() {
            write!(f, "  no warnings")
        } else {
            write!(f, "  warnings:")?;
            for warning in &self.warnings {
                write!(f, "\n    - {warning}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(rank: usize, host: &str, uid: u32) -> RankPlace {
        RankPlace {
            rank,
            host: host.into(),
            pid: 100 + rank as u32,
            cores_available: 2,
            host_cores: 2,
            threads: 1,
            uid: Some(uid),
        }
    }

    #[test]
    fn more_ranks_than_cores_and_root_are_warned_of() {
        let launch = Launch::from_lookup(|_| None);
        let crowded = [
            place(0, "a", 1000),
            place(1, "a", 1000),
            place(2, "a", 1000),
        ];
        let found = warnings(&launch, &crowded);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("3 ranks on a, which has 2 cores"));
        let spread = [place(0, "a", 1000), place(1, "a", 1000), place(2, "b", 0)];
        let found = warnings(&launch, &spread);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].starts_with("running as root"));
        let threaded: Vec<RankPlace> = [place(0, "a", 1000), place(1, "a", 1000)]
            .into_iter()
            .map(|p| RankPlace { threads: 2, ..p })
            .collect();
        let found = warnings(&launch, &threaded);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("2 ranks on a run 4 compute threads on its 2 cores"),
            "{found:?}"
        );
        assert!(found[0].contains("--threads 1"), "{found:?}");
    }
}
