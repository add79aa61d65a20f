//! [`SinkProblem`]: an error a person must fix (permission, authentication, schema, settings)
//! that a sender keeps until its sink writes again, so `/readyz` can name it.

use std::sync::Mutex;

use crate::sink::{RetryClass, SinkError};

/// The last unresolved operator error of a sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkProblem {
    /// Its [`RetryClass`] (`operator`, or `never` for a whole batch refused for good).
    pub class: RetryClass,
    /// What the sink said.
    pub error: String,
}

/// Where a sender keeps its current problem.
#[derive(Debug, Default)]
pub(crate) struct ProblemSlot(Mutex<Option<SinkProblem>>);

impl ProblemSlot {
    pub(crate) fn get(&self) -> Option<SinkProblem> {
        self.0.lock().map(|problem| problem.clone()).unwrap_or(None)
    }

    pub(crate) fn set(&self, error: &SinkError) {
        if let Ok(mut problem) = self.0.lock() {
            *problem = Some(SinkProblem {
                class: error.class(),
                error: error.to_string(),
            });
        }
    }

    /// Clears the problem; true if there was one.
    pub(crate) fn clear(&self) -> bool {
        self.0
            .lock()
            .map(|mut problem| problem.take().is_some())
            .unwrap_or(false)
    }
}
