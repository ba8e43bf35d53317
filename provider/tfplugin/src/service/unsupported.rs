//! Features of protocol 6.10 this provider does not offer: state stores
//! and config generation. Each answers with a clear error.

use crate::diag::Diagnostics;

/// The error for a feature this provider does not offer.
pub(super) fn unsupported(feature: &str, name: &str) -> Diagnostics {
    let what = if name.is_empty() {
        String::new()
    } else {
        format!(" (asked for {name:?})")
    };
    Diagnostics::error(
        format!("{feature} not supported"),
        format!(
            "This provider offers no {feature}{what}. Remove the configuration that uses it, or use a \
             provider that offers it."
        ),
    )
}
