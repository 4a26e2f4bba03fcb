//! Job files: a TOML list of steps that `pardata run JOB.toml` executes in order, on the
//! same ranks, stopping at the first step that fails.
//!
//! ```toml
//! name = "tutorial"
//! description = "generate the stock dataset"
//!
//! [[step]]
//! name = "prep"
//! args = ["prep", "--out", "data/tutorial", "--days", "30"]
//! ```
//!
//! A step's `args` are a pardata command line without the program name, checked exactly as
//! the command line is, before any step runs. Relative paths are taken from the directory
//! `pardata run` was started in.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::{execute, Outcome, Settings, Task};
use crate::runtime::{JobFailure, World};

/// A job file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobFile {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "step", default)]
    pub steps: Vec<StepFile>,
}

/// One step as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepFile {
    pub name: Option<String>,
    pub args: Vec<String>,
}

/// Why a job file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JobFileError {
    #[error("cannot read job file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("job file {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl JobFile {
    /// Reads and checks the shape of a job file (the steps' arguments are checked by the
    /// command-line parser).
    pub fn read(path: &Path) -> Result<JobFile, JobFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| JobFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        JobFile::parse(path, &text)
    }

    /// Checks the shape of a job file's `text` (the file at `path`).
    pub fn parse(path: &Path, text: &str) -> Result<JobFile, JobFileError> {
        let invalid = |message: String| JobFileError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let job: JobFile = toml::from_str(text)
            .map_err(|e| invalid(e.to_string().trim_end().replace('\n', " ")))?;
        if job.steps.is_empty() {
            return Err(invalid(
                "no [[step]] tables: a job needs at least one step".into(),
            ));
        }
        if let Some(i) = job.steps.iter().position(|s| s.args.is_empty()) {
            return Err(invalid(format!("step {} has empty args", i + 1)));
        }
        Ok(job)
    }
}

/// A job ready to run: every step already parsed into a task.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: String,
    pub path: PathBuf,
    pub steps: Vec<Step>,
}

/// One parsed step.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub args: Vec<String>,
    pub task: Task,
}

/// What a job did.
#[derive(Debug, Serialize)]
pub struct JobSummary {
    pub job: String,
    pub steps: Vec<StepSummary>,
    pub seconds: f64,
}

/// What one step did.
#[derive(Debug, Serialize)]
pub struct StepSummary {
    pub name: String,
    pub args: Vec<String>,
    pub result: Outcome,
}

impl fmt::Display for JobSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "job {}: {} step{} done in {:.2} s",
            self.job,
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" },
            self.seconds
        )
    }
}

/// Runs the steps in order (a collective). In text mode each step's result is printed as
/// it completes.
pub fn run(world: &World, job: &Job, settings: Settings) -> Result<JobSummary, JobFailure> {
    let started = Instant::now();
    let mut steps = Vec::with_capacity(job.steps.len());
    for (i, step) in job.steps.iter().enumerate() {
        if !settings.json {
            world.say(format_args!(
                "[{}/{}] {}: pardata {}",
                i + 1,
                job.steps.len(),
                step.name,
                step.args.join(" ")
            ));
        }
        let result = execute(world, &step.task, settings)?;
        if !settings.json {
            world.say(&result);
        }
        steps.push(StepSummary {
            name: step.name.clone(),
            args: step.args.clone(),
            result,
        });
    }
    Ok(JobSummary {
        job: job.name.clone(),
        steps,
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<JobFile, JobFileError> {
        let path = std::env::temp_dir().join(format!(
            "pardata-job-{}-{}.toml",
            std::process::id(),
            text.len()
        ));
        std::fs::write(&path, text).unwrap();
        let job = JobFile::read(&path);
        std::fs::remove_file(&path).unwrap();
        job
    }

    #[test]
    fn reads_steps_in_order() {
        let job = read("name = \"t\"\n[[step]]\nargs = [\"prep\", \"--out\", \"x\"]\n[[step]]\nname = \"b\"\nargs = [\"prep\"]\n").unwrap();
        assert_eq!(job.name.as_deref(), Some("t"));
        assert_eq!(job.steps.len(), 2);
        assert_eq!(job.steps[0].args, ["prep", "--out", "x"]);
        assert_eq!(job.steps[1].name.as_deref(), Some("b"));
    }

    #[test]
    fn errors_name_the_file_and_the_place() {
        let error = read("name = \"t\"\n[[step]]\nargz = [\"prep\"]\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("pardata-job-") && error.contains("line 3") && error.contains("argz"),
            "{error}"
        );
        let error = read("name = \"t\"\n").unwrap_err().to_string();
        assert!(error.contains("no [[step]]"), "{error}");
        let error = read("[[step]]\nargs = []\n").unwrap_err().to_string();
        assert!(error.contains("step 1 has empty args"), "{error}");
        let missing = JobFile::read(Path::new("/nonexistent/job.toml"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("/nonexistent/job.toml"), "{missing}");
    }
}
