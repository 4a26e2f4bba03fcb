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
//!
//! Variables: a `[vars]` table gives names and default values, and `${name}` in any
//! argument is replaced by the value; `pardata run JOB --set name=VALUE` overrides a
//! default (a name the job does not declare is an error, so is a `${name}` it does not
//! declare). `$${` stands for a literal `${`.
//!
//! ```toml
//! [vars]
//! data = "data/tutorial"
//!
//! [[step]]
//! args = ["convert", "${data}/json"]
//! ```

use std::collections::BTreeMap;
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
    /// Variables and their default values, used as `${name}` in the steps' arguments.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
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

impl JobFile {
    /// Replaces the variables in every step's arguments, with `overrides` (name, value)
    /// taking the place of the defaults of `[vars]`.
    pub fn substitute(
        &mut self,
        path: &Path,
        overrides: &[(String, String)],
    ) -> Result<(), JobFileError> {
        let invalid = |message: String| JobFileError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let mut values = self.vars.clone();
        for (name, value) in overrides {
            match values.get_mut(name) {
                Some(slot) => *slot = value.clone(),
                None => {
                    return Err(invalid(format!(
                        "--set {name}: the job has no variable {name:?} (its [vars]: {})",
                        declared(&self.vars)
                    )))
                }
            }
        }
        for (i, step) in self.steps.iter_mut().enumerate() {
            for arg in &mut step.args {
                *arg = expand(arg, &values).map_err(|unknown| {
                    invalid(format!(
                        "step {}: ${{{unknown}}} is not a variable of the job (its [vars]: {})",
                        i + 1,
                        declared(&self.vars)
                    ))
                })?;
            }
        }
        Ok(())
    }
}

/// The declared variables' names, for messages.
fn declared(vars: &BTreeMap<String, String>) -> String {
    if vars.is_empty() {
        "none".into()
    } else {
        vars.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// `text` with each `${name}` replaced by its value (`$${` is a literal `${`); the name
/// that has no value is the error. A `${` without its `}` stays as written.
fn expand(text: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if rest[..at].ends_with('$') {
            out.push_str(&rest[..at - 1]);
            out.push_str("${");
            rest = &rest[at + 2..];
            continue;
        }
        out.push_str(&rest[..at]);
        let Some(end) = rest[at + 2..].find('}') else {
            out.push_str(&rest[at..]);
            return Ok(out);
        };
        let name = &rest[at + 2..at + 2 + end];
        out.push_str(values.get(name).ok_or_else(|| name.to_string())?);
        rest = &rest[at + 2 + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
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
mod variable_tests {
    use super::*;

    fn job(text: &str) -> JobFile {
        JobFile::parse(Path::new("j.toml"), text).unwrap()
    }

    #[test]
    fn variables_take_their_defaults_or_the_overrides() {
        let text = "[vars]\ndata = \"data/tutorial\"\n[[step]]\nargs = [\"convert\", \"${data}/json\", \"$${data}\"]\n";
        let mut plain = job(text);
        plain.substitute(Path::new("j.toml"), &[]).unwrap();
        assert_eq!(
            plain.steps[0].args,
            ["convert", "data/tutorial/json", "${data}"]
        );
        let mut set = job(text);
        set.substitute(Path::new("j.toml"), &[("data".into(), "/mine".into())])
            .unwrap();
        assert_eq!(set.steps[0].args[1], "/mine/json");
    }

    #[test]
    fn unknown_variables_are_named() {
        let mut unknown = job("[[step]]\nargs = [\"convert\", \"${dta}\"]\n");
        let error = unknown.substitute(Path::new("j.toml"), &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "job file j.toml: step 1: ${dta} is not a variable of the job (its [vars]: none)"
        );
        let mut typo = job("[vars]\ndata = \"d\"\n[[step]]\nargs = [\"convert\", \"${data}\"]\n");
        let error = typo
            .substitute(Path::new("j.toml"), &[("dat".into(), "x".into())])
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("--set dat: the job has no variable \"dat\" (its [vars]: data)"),
            "{error}"
        );
    }
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
