//! Python exceptions as scenario threads raise them: a type name and Python's exact message.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Python exception: `RuntimeError: release unlocked lock`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PyError {
    /// The exception type as Python names it (`RuntimeError`, `queue.Empty`).
    #[serde(rename = "type")]
    pub ty: String,
    /// The message, exactly as CPython words it (may be empty, as for `queue.Empty`).
    pub message: String,
}

impl PyError {
    /// An exception of type `ty` with `message`.
    pub fn new(ty: impl Into<String>, message: impl Into<String>) -> Self {
        Self { ty: ty.into(), message: message.into() }
    }
    /// `RuntimeError: release unlocked lock`.
    pub fn release_unlocked() -> Self {
        Self::new("RuntimeError", "release unlocked lock")
    }
    /// `RuntimeError: cannot release un-acquired lock` (RLock).
    pub fn release_unacquired() -> Self {
        Self::new("RuntimeError", "cannot release un-acquired lock")
    }
    /// `ValueError: can't specify a timeout for a non-blocking call`.
    pub fn timeout_non_blocking() -> Self {
        Self::new("ValueError", "can't specify a timeout for a non-blocking call")
    }
    /// `ValueError: timeout value must be a non-negative number` (Lock.acquire).
    pub fn negative_timeout() -> Self {
        Self::new("ValueError", "timeout value must be a non-negative number")
    }
    /// `ValueError: Semaphore released too many times`.
    pub fn semaphore_overrelease() -> Self {
        Self::new("ValueError", "Semaphore released too many times")
    }
    /// `ValueError: semaphore initial value must be >= 0`.
    pub fn semaphore_negative() -> Self {
        Self::new("ValueError", "semaphore initial value must be >= 0")
    }
    /// `RuntimeError: cannot wait on un-acquired lock`.
    pub fn wait_unacquired() -> Self {
        Self::new("RuntimeError", "cannot wait on un-acquired lock")
    }
    /// `RuntimeError: cannot notify on un-acquired lock`.
    pub fn notify_unacquired() -> Self {
        Self::new("RuntimeError", "cannot notify on un-acquired lock")
    }
    /// `queue.Full` (raised with no message).
    pub fn queue_full() -> Self {
        Self::new("queue.Full", "")
    }
    /// `queue.Empty` (raised with no message).
    pub fn queue_empty() -> Self {
        Self::new("queue.Empty", "")
    }
    /// `ValueError: task_done() called too many times`.
    pub fn task_done_too_many() -> Self {
        Self::new("ValueError", "task_done() called too many times")
    }
    /// `OSError: handle is closed` (a closed pipe end).
    pub fn handle_closed() -> Self {
        Self::new("OSError", "handle is closed")
    }
    /// `EOFError` (recv on a pipe whose other end is closed and empty).
    pub fn eof() -> Self {
        Self::new("EOFError", "")
    }
    /// `NameError: name 'x' is not defined`.
    pub fn name_error(name: &str) -> Self {
        Self::new("NameError", format!("name '{name}' is not defined"))
    }
    /// `TypeError: …`.
    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new("TypeError", message)
    }

    /// Whether an `except NAME` clause catches this exception (`Exception` catches all).
    pub fn matches(&self, clause: &str) -> bool {
        let clause = clause.trim();
        clause == "Exception"
            || clause == "BaseException"
            || clause == self.ty
            || self.ty.rsplit('.').next() == Some(clause)
            || clause.rsplit('.').next() == Some(self.ty.as_str())
    }
}

/// As Python's traceback prints the last line: `RuntimeError: release unlocked lock`, or
/// just `queue.Empty` when there is no message.
impl fmt::Display for PyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() { f.write_str(&self.ty) } else { write!(f, "{}: {}", self.ty, self.message) }
    }
}

impl std::error::Error for PyError {}
