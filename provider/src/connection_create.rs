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
}

impl Creation<'_> {
    fn kind_title(&self) -> String {
        let mut chars = self.kind.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }

    /// "Group 'ops' already exists": PVE refused the create.
    pub fn already_exists(&self, error: &Error) -> Diagnostics {
        let Creation {
            kind,
            id,
            type_name,
            attribute,
            conflict_hint,
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
                    "PVE already has a {kind} '{id}'. To manage it with Terraform, import it: `terraform import {type_name}.NAME {id}` (or an `import {{ to = {type_name}.NAME, id = \"{id}\" }}` block); or choose another {attribute}.{hint}\n\n{error}"
                ),
            )
            .at_attribute(*attribute),
        )
    }

    /// "Group 'ops' exists with other settings": the create was interrupted
    /// and the object read back is not the one planned.
    pub fn not_as_planned(&self, error: &Error) -> Diagnostics {
        let Creation {
            kind,
            id,
            type_name,
            attribute,
            ..
        } = self;
        Diagnostics::from(
            Diagnostic::error(
                format!("{} '{id}' exists with other settings", self.kind_title()),
                format!(
                    "The create request was interrupted and a {kind} '{id}' now exists, but not as planned; it may belong to someone else. Inspect it, then import it (`terraform import {type_name}.NAME {id}`) or delete it.\n\n{error}"
                ),
            )
            .at_attribute(*attribute),
        )
    }
}

impl Connection {
    /// Creates an object through [`Connection::write`]. `Ok(Some(_))` is the
    /// create's answer. When PVE's answer was lost, the object is read back
    /// and adopted (`Ok(None)`) only if `as_planned` accepts it: it may be
    /// someone else's. "Already exists" and every other failure are
    /// diagnostics naming the object, and the import command where it helps.
    pub async fn create_or_adopt<T, Found, C, CFut, R, RFut>(
        &self,
        creation: &Creation<'_>,
        create: C,
        read_back: R,
        as_planned: impl FnOnce(&Found) -> bool,
    ) -> Result<Option<T>, Diagnostics>
    where
        C: FnOnce(Client) -> CFut,
        CFut: Future<Output = Result<T, Error>>,
        R: Fn(Client) -> RFut,
        RFut: Future<Output = Result<Found, Error>>,
    {
        let action = || format!("create {} '{}'", creation.kind, creation.id);
        match self.write(create).await {
            Ok(created) => Ok(Some(created)),
            Err(error) if error.is_conflict() => Err(creation.already_exists(&error)),
            Err(error) if error.is_outcome_unknown() => match self.read_back(read_back).await {
                Ok(found) if as_planned(&found) => Ok(None),
                Ok(_) => Err(creation.not_as_planned(&error)),
                Err(_) => Err(self.diagnose(&action(), &error)),
            },
            Err(error) => Err(self.diagnose(&action(), &error)),
        }
    }
}
