//! Create-or-adopt: the one way every resource creates a PVE object, with one
//! wording for "it exists already" and one for "the outcome is unknown".

use std::future::Future;

use proxmox_client::{Client, Error};
use tfplugin::diag::{Diagnostic, Diagnostics};

use super::Connection;

/// The object a create makes, as [`Connection::create_or_adopt`] names it.
#[derive(Debug, Clone, Copy)]
pub struct Creation<'a> {
    /// What it is, in lower case as a sentence uses it: "group", "API token".
    pub kind: &'a str,
    /// Its id, as PVE and `terraform import` spell it.
    pub id: &'a str,
    /// The Terraform type, e.g. "pve_group".
    pub type_name: &'a str,
    /// The attribute naming the object; the "already exists" error points at it.
    pub attribute: &'a str,
    /// Advice of this type added to "already exists", or "".
    pub conflict_hint: &'a str,
    /// A type's own reading of a conflict (e.g. the same user under another
    /// spelling); `None` from it falls back to [`Creation::already_exists`].
    pub explain_conflict: Option<fn(&Creation<'_>, &Error) -> Option<Diagnostics>>,
}

impl<'a> Creation<'a> {
    /// A creation with no hint and no conflict reading of its own.
    pub fn new(kind: &'a str, id: &'a str, type_name: &'a str, attribute: &'a str) -> Self {
        Creation {
            kind,
            id,
            type_name,
            attribute,
            conflict_hint: "",
            explain_conflict: None,
        }
    }

    /// Adds `hint` to the "already exists" error.
    #[must_use]
    pub fn conflict_hint(mut self, hint: &'a str) -> Self {
        self.conflict_hint = hint;
        self
    }

    /// Lets `explain` word a conflict first.
    #[must_use]
    pub fn explain_conflict(
        mut self,
        explain: fn(&Creation<'_>, &Error) -> Option<Diagnostics>,
    ) -> Self {
        self.explain_conflict = Some(explain);
        self
    }

    fn kind_title(&self) -> String {
        let mut chars = self.kind.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }

    /// "a group", "a user", "an API token", "an ACL entry" (a lower-case `u`
    /// sounds like "you"; an upper-case vowel starts an acronym).
    fn a_kind(&self) -> String {
        let article = if self
            .kind
            .starts_with(['a', 'e', 'i', 'o', 'A', 'E', 'I', 'O', 'U'])
        {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.kind)
    }

    /// "Group 'ops' already exists": PVE refused the create.
    pub fn already_exists(&self, error: &Error) -> Diagnostics {
        let Creation {
            id,
            type_name,
            attribute,
            conflict_hint,
            ..
        } = self;
        let hint = if conflict_hint.is_empty() {
            String::new()
        } else {
            format!(" {conflict_hint}")
        };
        Diagnostics::from(
            Diagnostic::error(
                format!("{} '{id}' already exists", self.kind_title()),
                format!(
                    "PVE already has {} '{id}'. To manage it with Terraform, import it: `terraform import {type_name}.NAME {id}` (or an `import {{ to = {type_name}.NAME, id = \"{id}\" }}` block); or choose another {attribute}.{hint}\n\n{error}",
                    self.a_kind()
                ),
            )
            .at_attribute(*attribute),
        )
    }

    /// "Group 'ops' exists with other settings": the create was interrupted
    /// and the object read back is not the one planned.
    pub fn not_as_planned(&self, error: &Error) -> Diagnostics {
        let Creation {
            id,
            type_name,
            attribute,
            ..
        } = self;
        Diagnostics::from(
            Diagnostic::error(
                format!("{} '{id}' exists with other settings", self.kind_title()),
                format!(
                    "The create request was interrupted and {} '{id}' now exists, but not as planned; it may belong to someone else. Inspect it, then import it (`terraform import {type_name}.NAME {id}`) or delete it.\n\n{error}",
                    self.a_kind()
                ),
            )
            .at_attribute(*attribute),
        )
    }
}

impl Connection {
    /// Creates an object through [`Connection::write`]. `Ok(Some(_))` is the
    /// create's answer. When PVE's answer was lost, the object is read back:
    /// it is adopted (`Ok(None)`) only if `as_planned` accepts it (it may be
    /// someone else's); when the read-back proves it does not exist, the
    /// create was never applied and is sent once more (through whichever
    /// node is healthy now), so that a node dying under a create costs no
    /// second apply and a token's secret is not lost. "Already exists" and
    /// every other failure are diagnostics naming the object, and the import
    /// command where it helps.
    ///
    /// `create` is called at most twice, hence `Clone`: a closure that owns
    /// its request is cloned for the second attempt.
    pub async fn create_or_adopt<T, Found, C, CFut, R, RFut>(
        &self,
        creation: &Creation<'_>,
        create: C,
        read_back: R,
        as_planned: impl Fn(&Found) -> bool,
    ) -> Result<Option<T>, Diagnostics>
    where
        C: FnOnce(Client) -> CFut + Clone,
        CFut: Future<Output = Result<T, Error>>,
        R: Fn(Client) -> RFut,
        RFut: Future<Output = Result<Found, Error>>,
    {
        let action = || format!("create {} '{}'", creation.kind, creation.id);
        let mut sent_again = false;
        loop {
            let error = match self.write(create.clone()).await {
                Ok(created) => return Ok(Some(created)),
                Err(error) => error,
            };
            if already_exists(&error) {
                return Err(creation
                    .explain_conflict
                    .and_then(|explain| explain(creation, &error))
                    .unwrap_or_else(|| creation.already_exists(&error)));
            }
            if !error.is_outcome_unknown() {
                return Err(self.diagnose(&action(), &error));
            }
            match self.read_back(&read_back).await {
                Ok(found) if as_planned(&found) => return Ok(None),
                Ok(_) => return Err(creation.not_as_planned(&error)),
                // A definite "does not exist", read after the create failed:
                // PVE never applied it. PVE checks existence under the
                // access-config lock, so should the lost request still land
                // late (a frozen node waking up), it is refused as "already
                // exists" rather than making a second object. Sent again
                // once only: a second lost answer is reported as before.
                Err(read) if read.is_not_found() && !sent_again => {
                    tracing::warn!(
                        object = %creation.id,
                        kind = %creation.kind,
                        error = %error,
                        "the create's answer was lost and the object does not exist: PVE did not apply it; sending the create again"
                    );
                    sent_again = true;
                }
                Err(_) => return Err(self.diagnose(&action(), &error)),
            }
        }
    }
}

/// Whether PVE refused the create because the object exists. Some creates
/// (a realm's) report it from inside a config lock, which the client reads
/// as a parameter error: PVE's text "already exists" says it either way.
fn already_exists(error: &Error) -> bool {
    error.is_conflict() || error.to_string().contains("already exists")
}
