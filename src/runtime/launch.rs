//! What started this process and what it runs on: the launcher (read from the variables each
//! one sets), the MPI library pardata is linked with, and this rank's share of the machine.
//! `pardata doctor` prints it; [`Launch::size_mismatch`] catches the commonest wrong launch,
//! a `mpirun` of another MPI library, whose ranks each come up as a world of one.

use serde::Serialize;

use super::World;

/// The launcher that started this process, as its environment tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Launcher {
    /// Open MPI's `mpirun`/`mpiexec` (inside a Slurm allocation or not).
    OpenMpi,
    /// Slurm's `srun` starting the ranks itself, through PMIx.
    SlurmPmix,
    /// Slurm's `srun` through PMI-2 (or PMI-1).
    SlurmPmi2,
    /// MPICH's Hydra `mpiexec` (also Intel MPI's).
    Hydra,
    /// Another PMIx launcher (PRRTE's `prterun`, Open MPI 5's `mpirun`).
    Pmix,
    /// No launcher: a plain `pardata ...`, a world of one rank.
    None,
}

/// How this process was launched and where.
#[derive(Debug, Clone, Serialize)]
pub struct Launch {
    /// The launcher, as detected from its environment variables.
    pub launcher: Launcher,
    /// The ranks the launcher says it started, when it says.
    pub expected_ranks: Option<usize>,
    /// The Slurm job, when inside one.
    pub slurm_job: Option<String>,
    /// Tasks of the Slurm allocation, when inside one.
    pub slurm_tasks: Option<usize>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Launch {
    /// Reads this process's environment (before MPI starts: see [`World::launch`]).
    pub fn detect() -> Launch {
        Launch::from_lookup(var)
    }

    /// The launch that the variables `lookup` gives describe.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Launch {
        let has = |name: &str| lookup(name).is_some();
        let count = |name: &str| lookup(name).and_then(|v| v.parse::<usize>().ok());
        let in_step = has("SLURM_STEP_ID") && has("SLURM_PROCID");
        let (launcher, expected_ranks) = if has("OMPI_COMM_WORLD_SIZE") {
            (Launcher::OpenMpi, count("OMPI_COMM_WORLD_SIZE"))
        } else if in_step && has("PMIX_RANK") {
            (Launcher::SlurmPmix, count("SLURM_STEP_NUM_TASKS"))
        } else if in_step && (has("PMI_RANK") || has("PMI_FD")) {
            (Launcher::SlurmPmi2, count("SLURM_STEP_NUM_TASKS"))
        } else if has("PMI_RANK") {
            (Launcher::Hydra, count("PMI_SIZE"))
        } else if has("PMIX_RANK") {
            (Launcher::Pmix, count("PMIX_SIZE"))
        } else {
            (Launcher::None, None)
        };
        Launch {
            launcher,
            expected_ranks,
            slurm_job: lookup("SLURM_JOB_ID"),
            slurm_tasks: count("SLURM_NTASKS"),
        }
    }

    /// Prepares a plain run (no launcher) to start at once: Open MPI's singleton start
    /// otherwise forks its daemon (`orted`) and waits for it, and probes the network
    /// libraries (UCX, OFI) that a world of one never uses: about 0.4 s here, against
    /// 0.04 s with `ess_singleton_isolated=1` (no daemon: a singleton cannot spawn more
    /// processes, which pardata never does), `pml=ob1` and `btl=self` (messages to itself
    /// only); and hwloc, which Open MPI asks for the machine's topology, is told to leave
    /// out the PCI and other I/O devices (`HWLOC_COMPONENTS=-pci,-linuxio`: reading their
    /// configuration took a third of the 0.04 s; the cores and caches are still read). A
    /// variable the user set stays as it is; other MPI libraries ignore these. To be
    /// called before MPI starts, while the process has one thread.
    pub(super) fn prepare_singleton(&self) {
        if self.launcher != Launcher::None {
            return;
        }
        for (name, value) in [
            ("OMPI_MCA_ess_singleton_isolated", "1"),
            ("OMPI_MCA_pml", "ob1"),
            ("OMPI_MCA_btl", "self"),
            ("HWLOC_COMPONENTS", "-pci,-linuxio"),
        ] {
            if std::env::var_os(name).is_none() {
                std::env::set_var(name, value);
            }
        }
    }

    /// What is wrong when the world has `size` ranks but the launch promised more: the
    /// launcher's MPI is not the one pardata was built with, or no launcher was used inside
    /// an allocation of several tasks.
    pub fn size_mismatch(&self, size: usize) -> Option<String> {
        if size != 1 {
            return None;
        }
        if let Some(expected) = self.expected_ranks.filter(|&n| n > 1) {
            return Some(format!(
                "the launcher started {expected} ranks but each came up as a world of 1: the \
                 mpirun or srun used does not match the MPI library pardata was built with \
                 ({}); use that library's launcher, or rebuild pardata against yours",
                mpi_library_short()
            ));
        }
        match (self.launcher.clone(), self.slurm_tasks) {
            (Launcher::None, Some(tasks)) if tasks > 1 => Some(format!(
                "inside a Slurm allocation of {tasks} tasks but started without a launcher: \
                 run `mpirun pardata ...` or `srun --mpi=pmix pardata ...`"
            )),
            _ => None,
        }
    }
}

/// The MPI library's own description of itself (`MPI_Get_library_version`), one line.
pub fn mpi_library() -> String {
    mpi::environment::library_version()
        .map(|text| {
            let first = text.lines().next().unwrap_or_default();
            first
                .trim_matches(|c: char| c == '\0' || c.is_whitespace())
                .to_string()
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// The library's name and version, without the build details that follow them.
fn mpi_library_short() -> String {
    let line = mpi_library();
    line.split(',').next().unwrap_or(&line).trim().to_string()
}

/// The MPI standard the library implements, as "major.minor".
pub fn mpi_standard() -> String {
    let (major, minor) = mpi::environment::version();
    format!("{major}.{minor}")
}

/// One rank's share of its machine.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RankPlace {
    /// The rank.
    pub rank: usize,
    /// The host it runs on.
    pub host: String,
    /// Its process id on that host.
    pub pid: u32,
    /// Cores this rank may run on (its CPU affinity).
    pub cores_available: usize,
    /// Cores the host has online.
    pub host_cores: usize,
    /// Its compute threads ([`super::threads`]).
    pub threads: usize,
    /// The effective user id, when known.
    pub uid: Option<u32>,
}

impl World {
    /// Every rank's place, on every rank (a collective).
    pub fn places(&self) -> Vec<RankPlace> {
        let mine = RankPlace {
            rank: self.rank(),
            host: self.host().to_string(),
            pid: std::process::id(),
            cores_available: std::thread::available_parallelism().map_or(1, usize::from),
            host_cores: host_cores().unwrap_or(0),
            threads: self.threads().per_rank,
            uid: effective_uid(),
        };
        self.all_gather(&mine)
    }
}

/// The cores the host has online (`/sys/devices/system/cpu/online`, as "0-3,6").
pub(super) fn host_cores() -> Option<usize> {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online").ok()?;
    online.trim().split(',').try_fold(0, |total, range| {
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let (first, last): (usize, usize) = (first.parse().ok()?, last.parse().ok()?);
        Some(total + last.checked_sub(first)? + 1)
    })
}

/// The effective user id, from `/proc/self/status` (Linux).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn launch(vars: &[(&str, &str)]) -> Launch {
        Launch::from_lookup(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn launchers_are_told_apart_by_their_variables() {
        let ompi = launch(&[("OMPI_COMM_WORLD_SIZE", "4"), ("SLURM_JOB_ID", "7")]);
        assert_eq!(ompi.launcher, Launcher::OpenMpi);
        assert_eq!(ompi.expected_ranks, Some(4));
        assert_eq!(ompi.slurm_job.as_deref(), Some("7"));
        let srun = [
            ("SLURM_STEP_ID", "0"),
            ("SLURM_PROCID", "1"),
            ("SLURM_STEP_NUM_TASKS", "2"),
        ];
        let pmix = launch(&[srun.as_slice(), &[("PMIX_RANK", "1")]].concat());
        assert_eq!(
            (pmix.launcher, pmix.expected_ranks),
            (Launcher::SlurmPmix, Some(2))
        );
        let pmi2 = launch(&[srun.as_slice(), &[("PMI_FD", "5")]].concat());
        assert_eq!(pmi2.launcher, Launcher::SlurmPmi2);
        let hydra = launch(&[("PMI_RANK", "0"), ("PMI_SIZE", "3")]);
        assert_eq!(
            (hydra.launcher, hydra.expected_ranks),
            (Launcher::Hydra, Some(3))
        );
        assert_eq!(launch(&[]).launcher, Launcher::None);
    }

    #[test]
    fn a_world_of_one_under_a_launcher_of_more_is_a_wrong_launch() {
        let hydra = launch(&[("PMI_RANK", "0"), ("PMI_SIZE", "3")]);
        assert!(hydra
            .size_mismatch(1)
            .is_some_and(|m| m.contains("started 3 ranks")));
        assert!(hydra.size_mismatch(3).is_none());
        let bare = launch(&[("SLURM_JOB_ID", "9"), ("SLURM_NTASKS", "8")]);
        assert!(bare
            .size_mismatch(1)
            .is_some_and(|m| m.contains("without a launcher")));
        assert!(launch(&[]).size_mismatch(1).is_none());
    }

    #[test]
    fn this_host_has_cores() {
        if cfg!(target_os = "linux") {
            assert!(host_cores().is_some_and(|n| n >= 1));
            assert!(effective_uid().is_some());
        }
    }
}
