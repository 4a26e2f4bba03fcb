//! The futures executor: submit calls, get futures back at once, read results later, as
//! `concurrent.futures` and `mpi4py.futures` do, over MPI and typed.
//!
//! # The model: where code runs and where results land
//!
//! [`run`] is a collective: every rank calls it with the same options. On **rank 0** it calls
//! your driver closure with an [`Executor`]; the driver submits tasks and reads results, and
//! whatever it returns comes back from `run` as `Some` on rank 0. The **other ranks** are
//! workers: inside `run` they wait for tasks, run them and send the results to rank 0, until
//! the driver returns; `run` then gives them `None`. Results therefore land on rank 0.
//!
//! A task is a value of a type that implements [`Task`]: its fields are the call's
//! arguments (sent as serde values, no pickling), and [`Task::run`] is the function. Every
//! rank runs the same program, so every rank knows how to run every task type. A task runs
//! on a worker that is free (one task at a time per worker, handed out by rank 0 as workers
//! finish, so uneven tasks balance), or on rank 0 itself while the driver waits for a
//! result and no worker is free (with one rank, everything runs there).
//!
//! # Errors
//!
//! A task's `Err`, or a panic inside it, does not stop the job: it becomes a [`TaskError`]
//! naming the task, the rank and host it ran on, the message and (for a panic) that rank's
//! backtrace, returned where the result is read. [`Executor::map`] yields results in input
//! order, so collecting it into a `Result` stops at the first error in input order, as
//! `concurrent.futures` raises it. With [`Options::retries`], a task that returned `Err` is
//! run again up to that many times (panics are not retried). A rank that dies is not a task
//! error: the job ends, as everywhere in pardata.
//!
//! Also: [`Executor::as_completed`] and its batches, [`Executor::wait`] (all or first
//! completed), a bound on tasks outstanding ([`Options::max_in_flight`]: `submit` waits
//! until one completes, the "submit only 10 at a time" pattern), [`Executor::cancel`] of
//! tasks not yet started, and chunked maps that send many tasks per message.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::runtime::panic::catch;
use crate::runtime::progress::Progress;
use crate::runtime::{Activity, World};

/// A call that can be submitted: its fields are the arguments, `run` the function.
pub trait Task: Serialize + DeserializeOwned + Clone {
    /// The call's result, sent back to rank 0.
    type Output: Serialize + DeserializeOwned;
    /// The call's error; its `Display` text becomes [`TaskError::message`].
    type Error: fmt::Display;

    /// Runs the call (on whichever rank the executor chose).
    fn run(&self) -> Result<Self::Output, Self::Error>;

    /// How errors name the task.
    fn describe(&self) -> String {
        std::any::type_name::<Self>()
            .rsplit("::")
            .next()
            .unwrap_or("task")
            .to_string()
    }
}

/// How the executor schedules.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// At most this many tasks submitted and not yet completed; `submit` waits below it.
    pub max_in_flight: Option<usize>,
    /// How many times a task that returned `Err` is run again before its error stands.
    pub retries: u32,
}

/// A task that failed: where, how, and (for panics) the backtrace of the rank it ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskError {
    /// The task's name, from [`Task::describe`].
    pub task: String,
    /// The task's number, in submission order from 0 (as [`Future::id`]).
    pub id: u64,
    /// The rank it last ran on; `usize::MAX` for a cancelled task.
    pub rank: usize,
    /// The host of that rank; empty for a cancelled task.
    pub host: String,
    /// The task's error text, or the panic's message.
    pub message: String,
    /// The backtrace of the rank it ran on, for a panic; `None` for an `Err`.
    pub backtrace: Option<String>,
    /// How many times it was run.
    pub attempts: u32,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rank == usize::MAX {
            return write!(f, "task {} (#{}) was cancelled", self.task, self.id);
        }
        write!(
            f,
            "task {} (#{}) failed on rank {} ({}): {}",
            self.task, self.id, self.rank, self.host, self.message
        )?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if let Some(backtrace) = &self.backtrace {
            write!(f, "\nbacktrace of rank {}:\n{backtrace}", self.rank)?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskError {}

/// A handle to a submitted task's result.
#[derive(Debug)]
pub struct Future<O> {
    id: u64,
    _output: PhantomData<fn() -> O>,
}

impl<O> Clone for Future<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O> Copy for Future<O> {}

impl<O> Future<O> {
    /// The task's number, in submission order from 0.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// A completed future with its result.
pub type Completed<O> = (Future<O>, Result<O, TaskError>);

/// The futures that completed, and those that did not.
pub type Waited<O> = (Vec<Future<O>>, Vec<Future<O>>);

/// What [`Executor::wait`] waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// Wait until every future has completed.
    AllCompleted,
    /// Wait until at least one future has completed (or return at once if none is given).
    FirstCompleted,
}

/// A failure as it travels from the rank that ran the task.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Failure {
    message: String,
    backtrace: Option<String>,
    /// Err results may be retried; panics are not.
    retriable: bool,
}

/// Rank 0 to a worker: tasks to run (by id), or stop.
type Assignment<T> = Option<Vec<(u64, T)>>;
/// A worker to rank 0: the results of its last assignment.
type Report<O> = Vec<(u64, Result<O, Failure>)>;

/// Runs task `id`, catching its panic, as a compute span named after the task.
fn attempt<T: Task>(world: &World, id: u64, task: &T) -> Result<T::Output, Failure> {
    let name = format!("task {id}: {}", task.describe());
    world.time(Activity::Compute, name, || run_caught(task))
}

/// Runs the tasks of a chunk (more than one) as one compute span: one record per chunk,
/// not per task, so that the trace of many small tasks costs what the chunks do.
fn attempt_chunk<T: Task>(world: &World, chunk: &[(u64, T)]) -> Report<T::Output> {
    // Its ids are consecutive unless a retried task went first.
    let first = chunk.first().map_or(0, |t| t.0);
    let name = format!("{} tasks from task {first}", chunk.len());
    world.time(Activity::Compute, name, || {
        chunk
            .iter()
            .map(|(id, task)| (*id, run_caught(task)))
            .collect()
    })
}

/// Runs `task`, catching its panic.
fn run_caught<T: Task>(task: &T) -> Result<T::Output, Failure> {
    match catch(|| task.run()) {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(error)) => Err(Failure {
            message: error.to_string(),
            backtrace: None,
            retriable: true,
        }),
        Err(panic) => Err(Failure {
            message: panic.message,
            backtrace: Some(panic.backtrace),
            retriable: false,
        }),
    }
}

/// Runs the executor (a collective): `driver` on rank 0, the worker loop elsewhere.
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// # World::run(|world| {
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Clone, Serialize, Deserialize)]
/// struct Square(u64);
///
/// impl Task for Square {
///     type Output = u64;
///     type Error = String;
///     fn run(&self) -> Result<u64, String> {
///         Ok(self.0 * self.0)
///     }
/// }
///
/// // The driver runs on rank 0; every rank runs tasks.
/// let total = futures::run(world, Options::default(), |ex| {
///     let futures: Vec<_> = (1..=3).map(|i| ex.submit(Square(i))).collect();
///     futures.into_iter().map(|f| ex.result(f).unwrap_or(0)).sum::<u64>()
/// });
/// if world.is_root() {
///     assert_eq!(total, Some(14));
/// } else {
///     assert_eq!(total, None);
/// }
/// # Ok::<(), JobFailure>(())
/// # })
/// # }
/// ```
pub fn run<T: Task, R>(
    world: &World,
    options: Options,
    driver: impl FnOnce(&mut Executor<'_, T>) -> R,
) -> Option<R> {
    let hosts = world.all_gather(&world.host().to_string());
    // Rank 0 counts completed tasks; the workers' counts stay 0, but they take part.
    let completed = world.progress("tasks", None);
    if !world.is_root() {
        while let Some(batch) = world.receive_from::<Assignment<T>>(0) {
            let report: Report<T::Output> = match batch.as_slice() {
                [(id, task)] => vec![(*id, attempt(world, *id, task))],
                chunk => attempt_chunk(world, chunk),
            };
            world.send(0, &report);
        }
        return None;
    }
    let mut executor = Executor {
        world,
        options,
        hosts,
        next_id: 0,
        queue: VecDeque::new(),
        tasks: HashMap::default(),
        busy: vec![false; world.size()],
        batch: 1,
        done: HashMap::default(),
        completion: VecDeque::new(),
        outstanding: 0,
        most_outstanding: 0,
        completed,
    };
    let result = driver(&mut executor);
    executor.shut_down();
    Some(result)
}

/// A task rank 0 knows of: the call and how many times it has run.
struct Entry<T> {
    task: T,
    attempts: u32,
}

/// The executor, on rank 0 (see the module header).
pub struct Executor<'w, T: Task> {
    world: &'w World,
    options: Options,
    hosts: Vec<String>,
    next_id: u64,
    /// Submitted, not yet started.
    queue: VecDeque<u64>,
    /// Every task not yet completed.
    tasks: HashMap<u64, Entry<T>, ahash::RandomState>,
    /// Whether each worker has an assignment.
    busy: Vec<bool>,
    /// Tasks per assignment message.
    batch: usize,
    /// Completed results not yet taken.
    done: HashMap<u64, Result<T::Output, TaskError>, ahash::RandomState>,
    /// Completed ids in completion order, for `as_completed`.
    completion: VecDeque<u64>,
    outstanding: usize,
    most_outstanding: usize,
    /// The progress view's count of completed tasks.
    completed: Progress<'w>,
}

impl<'w, T: Task> Executor<'w, T> {
    /// Submits `task` and returns its future at once (or, with `max_in_flight`, once fewer
    /// tasks than that are outstanding).
    pub fn submit(&mut self, task: T) -> Future<T::Output> {
        if let Some(bound) = self.options.max_in_flight {
            while self.outstanding >= bound.max(1) {
                self.progress();
            }
        }
        let future = self.enqueue(task);
        self.dispatch();
        self.collect_arrived();
        future
    }

    /// Queues `task` without handing anything out.
    fn enqueue(&mut self, task: T) -> Future<T::Output> {
        let id = self.next_id;
        self.next_id += 1;
        self.tasks.insert(id, Entry { task, attempts: 0 });
        self.queue.push_back(id);
        self.outstanding += 1;
        self.most_outstanding = self.most_outstanding.max(self.outstanding);
        Future {
            id,
            _output: PhantomData,
        }
    }

    /// Waits for the future's result and takes it.
    pub fn result(&mut self, future: Future<T::Output>) -> Result<T::Output, TaskError> {
        loop {
            // Its id stays in `completion`, where the iterators skip ids already taken.
            if let Some(result) = self.done.remove(&future.id) {
                return result;
            }
            self.progress();
        }
    }

    /// Cancels a task that has not started; true if it was cancelled. Its result is then a
    /// `TaskError` saying so.
    pub fn cancel(&mut self, future: Future<T::Output>) -> bool {
        let Some(position) = self.queue.iter().position(|&id| id == future.id) else {
            return false;
        };
        self.queue.remove(position);
        let entry = self.tasks.remove(&future.id);
        let task = entry.map(|e| e.task.describe()).unwrap_or_default();
        let error = TaskError {
            task,
            id: future.id,
            rank: usize::MAX,
            host: String::new(),
            message: "cancelled".into(),
            backtrace: None,
            attempts: 0,
        };
        self.complete(future.id, Err(error));
        true
    }

    /// Submits every task and yields their results in input order.
    pub fn map(
        &mut self,
        tasks: Vec<T>,
    ) -> impl Iterator<Item = Result<T::Output, TaskError>> + use<'_, 'w, T> {
        self.map_chunked(tasks, 1)
    }

    /// [`Executor::map`], sending up to `chunk` tasks to a worker per message (for many
    /// small tasks).
    pub fn map_chunked(
        &mut self,
        tasks: Vec<T>,
        chunk: usize,
    ) -> impl Iterator<Item = Result<T::Output, TaskError>> + use<'_, 'w, T> {
        self.batch = chunk.max(1);
        // Every task queued before the first is handed out, so that each message carries a
        // whole chunk (`max_in_flight` still bounds what is queued at once).
        let futures: Vec<Future<T::Output>> = match self.options.max_in_flight {
            Some(_) => tasks.into_iter().map(|t| self.submit(t)).collect(),
            None => tasks.into_iter().map(|t| self.enqueue(t)).collect(),
        };
        self.dispatch();
        futures.into_iter().map(move |f| {
            let result = self.result(f);
            if self.queue.is_empty() {
                self.batch = 1;
            }
            result
        })
    }

    /// Submits every task and returns (input position, result) in completion order.
    pub fn map_unordered(&mut self, tasks: Vec<T>) -> Vec<(usize, Result<T::Output, TaskError>)> {
        let futures: Vec<Future<T::Output>> = tasks.into_iter().map(|t| self.submit(t)).collect();
        let position: HashMap<u64, usize> =
            futures.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        self.as_completed(&futures)
            .map(|(f, r)| (position[&f.id], r))
            .collect()
    }

    /// Yields each of `futures` with its result as it completes.
    pub fn as_completed<'e>(
        &'e mut self,
        futures: &[Future<T::Output>],
    ) -> impl Iterator<Item = Completed<T::Output>> + use<'e, 'w, T> {
        let mut waiting: std::collections::HashSet<u64> = futures.iter().map(|f| f.id).collect();
        std::iter::from_fn(move || {
            if waiting.is_empty() {
                return None;
            }
            loop {
                let ready = self
                    .completion
                    .iter()
                    .position(|id| waiting.contains(id) && self.done.contains_key(id));
                if let Some(position) = ready {
                    let id = self.completion.remove(position)?;
                    waiting.remove(&id);
                    let result = self.done.remove(&id)?;
                    return Some((
                        Future {
                            id,
                            _output: PhantomData,
                        },
                        result,
                    ));
                }
                let outstanding =
                    |id: &u64| self.done.contains_key(id) || self.tasks.contains_key(id);
                if !waiting.iter().any(outstanding) {
                    return None;
                }
                self.progress();
            }
        })
    }

    /// The completed ones among `futures`, waiting for at least one: the `batches()` view
    /// of `as_completed`. Empty only when none of them is outstanding or ready.
    pub fn completed_batch(&mut self, futures: &[Future<T::Output>]) -> Vec<Completed<T::Output>> {
        let wanted: std::collections::HashSet<u64> = futures.iter().map(|f| f.id).collect();
        let pending = |e: &Self| {
            wanted
                .iter()
                .any(|id| e.done.contains_key(id) || e.tasks.contains_key(id))
        };
        if !pending(self) {
            return Vec::new();
        }
        while !wanted.iter().any(|id| self.done.contains_key(id)) {
            self.progress();
        }
        self.collect_arrived();
        let ready: Vec<u64> = self
            .completion
            .iter()
            .copied()
            .filter(|id| wanted.contains(id) && self.done.contains_key(id))
            .collect();
        self.completion.retain(|id| !ready.contains(id));
        ready
            .into_iter()
            .filter_map(|id| {
                self.done.remove(&id).map(|r| {
                    (
                        Future {
                            id,
                            _output: PhantomData,
                        },
                        r,
                    )
                })
            })
            .collect()
    }

    /// Waits until all, or the first, of `futures` have completed; returns the completed and
    /// the not yet completed ones (results stay to be read).
    pub fn wait(&mut self, futures: &[Future<T::Output>], until: WaitFor) -> Waited<T::Output> {
        loop {
            self.collect_arrived();
            let (done, not_done): (Vec<_>, Vec<_>) =
                futures.iter().partition(|f| self.done.contains_key(&f.id));
            let enough = match until {
                WaitFor::AllCompleted => not_done.is_empty(),
                WaitFor::FirstCompleted => !done.is_empty() || futures.is_empty(),
            };
            if enough {
                return (done, not_done);
            }
            self.progress();
        }
    }

    /// The most tasks that were outstanding at once (submitted, not completed).
    pub fn most_outstanding(&self) -> usize {
        self.most_outstanding
    }

    /// The number of ranks running tasks besides rank 0.
    pub fn workers(&self) -> usize {
        self.world.size() - 1
    }

    /// Moves work forward once: hand out queued tasks, take arrived results, and if nothing
    /// arrived either wait for a worker or, when none is free or there is none, run a
    /// queued task here.
    fn progress(&mut self) {
        self.dispatch();
        if self.collect_arrived() {
            return;
        }
        let any_busy = self.busy.iter().any(|&b| b);
        if !self.queue.is_empty() && (self.workers() == 0 || self.busy[1..].iter().all(|&b| b)) {
            if let Some(id) = self.queue.pop_front() {
                self.run_here(id);
            }
        } else if any_busy {
            let (from, report) = self.world.receive_any::<Report<T::Output>>();
            self.take_report(from, report);
        }
    }

    fn run_here(&mut self, id: u64) {
        let Some(entry) = self.tasks.get(&id) else {
            return;
        };
        let outcome = attempt(self.world, id, &entry.task);
        self.finish(id, 0, outcome);
    }

    /// Gives each idle worker its next tasks.
    fn dispatch(&mut self) {
        for worker in 1..self.world.size() {
            if self.queue.is_empty() {
                return;
            }
            if self.busy[worker] {
                continue;
            }
            let take = self.batch.min(self.queue.len());
            let batch: Vec<(u64, T)> = self
                .queue
                .drain(..take)
                .filter_map(|id| self.tasks.get(&id).map(|e| (id, e.task.clone())))
                .collect();
            self.world.send(worker, &Some(batch));
            self.busy[worker] = true;
        }
    }

    /// Takes every report that has arrived; true if there was one.
    fn collect_arrived(&mut self) -> bool {
        let mut any = false;
        while let Some((from, report)) = self.world.try_receive_any::<Report<T::Output>>() {
            self.take_report(from, report);
            any = true;
        }
        any
    }

    fn take_report(&mut self, from: usize, report: Report<T::Output>) {
        self.busy[from] = false;
        for (id, outcome) in report {
            self.finish(id, from, outcome);
        }
        self.dispatch();
    }

    /// Records a run of task `id` on `rank`: a result, a retry, or an error.
    fn finish(&mut self, id: u64, rank: usize, outcome: Result<T::Output, Failure>) {
        let Some(entry) = self.tasks.get_mut(&id) else {
            return;
        };
        entry.attempts += 1;
        match outcome {
            Ok(output) => {
                self.tasks.remove(&id);
                self.complete(id, Ok(output));
            }
            Err(failure) if failure.retriable && entry.attempts <= self.options.retries => {
                self.queue.push_front(id);
            }
            Err(failure) => {
                let error = TaskError {
                    task: entry.task.describe(),
                    id,
                    rank,
                    host: self.hosts[rank].clone(),
                    message: failure.message,
                    backtrace: failure.backtrace,
                    attempts: entry.attempts,
                };
                self.tasks.remove(&id);
                self.complete(id, Err(error));
            }
        }
    }

    fn complete(&mut self, id: u64, result: Result<T::Output, TaskError>) {
        self.done.insert(id, result);
        self.completion.push_back(id);
        self.outstanding -= 1;
        self.completed.advance(1);
    }

    /// Ends the executor: queued tasks are dropped, running ones finish, workers stop.
    fn shut_down(mut self) {
        self.queue.clear();
        while self.busy.iter().any(|&b| b) {
            let (from, report) = self.world.receive_any::<Report<T::Output>>();
            self.busy[from] = false;
            drop(report);
        }
        for worker in 1..self.world.size() {
            self.world.send(worker, &None::<Vec<(u64, T)>>);
        }
    }
}
