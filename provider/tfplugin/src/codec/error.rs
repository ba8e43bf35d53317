//! The one error type of the codec: a message plus the attribute path where
//! it happened. Messages describe types and shapes only, never values, so an
//! error can be shown to the user even when the value holds a secret.

use std::fmt;

use crate::diag::{AttributePath, Diagnostic, PathStep, Severity};

/// A value or type could not be encoded, decoded or checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodecError {
    path: AttributePath,
    message: String,
}

impl CodecError {
    /// An error at the root of the value.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            path: AttributePath::default(),
            message: message.into(),
        }
    }

    /// An error at `path`.
    pub fn at(path: &[PathStep], message: impl Into<String>) -> Self {
        Self {
            path: AttributePath(path.to_vec()),
            message: message.into(),
        }
    }

    /// Where in the value the error happened (empty: the whole value).
    pub fn path(&self) -> &AttributePath {
        &self.path
    }

    /// What went wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Puts `step` in front of the path, for errors found in a nested value.
    #[must_use]
    pub fn within(mut self, step: PathStep) -> Self {
        self.path.0.insert(0, step);
        self
    }

    /// Puts `prefix` in front of the path.
    #[must_use]
    pub(crate) fn prefixed(mut self, prefix: &[PathStep]) -> Self {
        self.path.0.splice(0..0, prefix.iter().cloned());
        self
    }

    /// An error diagnostic pointing at the attribute, for returning to Terraform.
    pub fn to_diagnostic(&self, summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: self.to_string(),
            attribute: (!self.path.0.is_empty()).then(|| self.path.clone()),
        }
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.0.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", path_to_string(&self.path.0), self.message)
        }
    }
}

impl std::error::Error for CodecError {}

/// Renders a path the way Terraform users write it: `a.b[0]["key"]`.
pub fn path_to_string(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attribute(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathStep::ElementKeyString(key) => {
                out.push('[');
                // A JSON string literal is also a valid HCL string literal.
                out.push_str(&serde_json::Value::String(key.clone()).to_string());
                out.push(']');
            }
            PathStep::ElementKeyInt(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// The path as the codec walks a value: pushed on the way down, copied into
/// an error when one happens.
#[derive(Debug, Default)]
pub(crate) struct PathTracker(Vec<PathStep>);

impl PathTracker {
    pub(crate) fn push(&mut self, step: PathStep) {
        self.0.push(step);
    }

    pub(crate) fn push_index(&mut self, index: usize) {
        self.0.push(PathStep::ElementKeyInt(
            i64::try_from(index).unwrap_or(i64::MAX),
        ));
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    pub(crate) fn steps(&self) -> &[PathStep] {
        &self.0
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> CodecError {
        CodecError::at(&self.0, message)
    }
}
