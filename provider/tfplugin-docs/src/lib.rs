//! The documentation generator: renders `docs/` in the Terraform Registry
//! layout from a provider's own schema, so the pages can never drift from
//! what the provider really accepts. It knows `tfplugin` schemas and the
//! repository's examples and templates, nothing of any particular provider;
//! a provider hands itself to [`cli::run`] from a small `gen-docs` binary.
//!
//! The provider is walked through the generic [`Provider`] trait (provider
//! schema, resources, data sources, ephemeral resources, functions, list
//! resources, actions), so a newly registered type gets its page without touching this
//! module. Hand-written parts come from the repository:
//!
//! * `examples/provider/provider.tf`, `examples/resources/<type>/resource.tf`
//!   and `import.sh` (plus optional `import-by-string-id.tf` /
//!   `import-by-identity.tf`), `examples/data-sources/<type>/data-source.tf`,
//!   `examples/ephemeral-resources/<type>/ephemeral-resource.tf`,
//!   `examples/list-resources/<type>/list-resource.tf`,
//!   `examples/actions/<type>/action.tf`,
//!   `examples/functions/<name>/function.tf`;
//! * `templates/index.md.tmpl` (the provider page) and optional per-page
//!   overrides `templates/<kind>/<name>.md.tmpl`, with tfplugindocs-style
//!   placeholders (see [`template`]);
//! * `templates/guides/*.md`, copied verbatim to `docs/guides/`.
//!
//! Repository documentation that is not a Registry page (BENCHMARKS.md,
//! CONTRIBUTING.md, ...) lives at the repository root, not in `docs/`.
//!
//! [`generate`] renders everything into memory; [`Docs::write_to`] makes a
//! directory match it (removing stray files) and [`Docs::compare`] lists how
//! a directory differs, which is what the up-to-date test uses.

pub mod cli;
mod lint;
mod pages;
mod schema_md;
pub mod template;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use tfplugin::provider::Provider;

pub use lint::missing_descriptions;

/// Why the documentation could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Template { path: PathBuf, message: String },
    #[error(
        "{root} does not look like the repository root (no `examples/` or `templates/` there); run from the repository root or pass --root"
    )]
    NotRepositoryRoot { root: PathBuf },
}

impl DocsError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        DocsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The rendered documentation: paths relative to `docs/` (always with `/`)
/// mapped to their full text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs {
    files: BTreeMap<String, String>,
}

/// One way a directory differs from the generated documentation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    /// Generated, but absent from the directory.
    Missing(String),
    /// Present in both, with different text.
    Changed(String),
    /// Present in the directory, but not generated (a removed type, a typo).
    Stray(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(path) => write!(f, "missing: docs/{path}"),
            Difference::Changed(path) => write!(f, "changed: docs/{path}"),
            Difference::Stray(path) => write!(f, "stray:   docs/{path}"),
        }
    }
}

/// Renders every page for `provider`, reading examples and templates under
/// the repository root `root`.
pub fn generate(provider: &dyn Provider, root: &Path) -> Result<Docs, DocsError> {
    if !root.join("examples").is_dir() && !root.join("templates").is_dir() {
        return Err(DocsError::NotRepositoryRoot {
            root: root.to_path_buf(),
        });
    }
    let repo = pages::Repo::new(root);
    let name = provider.type_name().to_string();
    let mut files = BTreeMap::new();

    files.insert(
        "index.md".to_string(),
        pages::index_page(&repo, &name, &provider.schema())?,
    );
    for resource in provider.resources() {
        let (file, text) = pages::resource_page(&repo, &name, resource.as_ref())?;
        files.insert(file, text);
    }
    for data_source in provider.data_sources() {
        let (file, text) = pages::data_source_page(&repo, &name, data_source.as_ref())?;
        files.insert(file, text);
    }
    for ephemeral in provider.ephemeral_resources() {
        let (file, text) = pages::ephemeral_page(&repo, &name, ephemeral.as_ref())?;
        files.insert(file, text);
    }
    for list in provider.list_resources() {
        let (file, text) = pages::list_resource_page(&repo, &name, list.as_ref())?;
        files.insert(file, text);
    }
    for action in provider.actions() {
        let (file, text) = pages::action_page(&repo, &name, action.as_ref())?;
        files.insert(file, text);
    }
    for function in provider.functions() {
        let (file, text) = pages::function_page(&repo, &name, function.as_ref())?;
        files.insert(file, text);
    }
    for (file, text) in pages::guides(&repo)? {
        files.insert(file, text);
    }
    Ok(Docs { files })
}

impl Docs {
    /// Every generated file: path relative to `docs/` → text.
    pub fn files(&self) -> &BTreeMap<String, String> {
        &self.files
    }

    /// How `dir` differs from this documentation; empty when identical.
    /// A missing `dir` counts as every file missing.
    pub fn compare(&self, dir: &Path) -> Result<Vec<Difference>, DocsError> {
        let existing = list_files(dir)?;
        let mut differences = Vec::new();
        for (file, text) in &self.files {
            if !existing.contains(file) {
                differences.push(Difference::Missing(file.clone()));
                continue;
            }
            let path = dir.join(file);
            let on_disk = std::fs::read(&path).map_err(|e| DocsError::io(&path, e))?;
            if on_disk != text.as_bytes() {
                differences.push(Difference::Changed(file.clone()));
            }
        }
        for file in existing {
            if !self.files.contains_key(&file) {
                differences.push(Difference::Stray(file));
            }
        }
        differences.sort();
        Ok(differences)
    }

    /// Makes `dir` hold exactly this documentation: writes new and changed
    /// files, deletes stray ones (and directories left empty). Unchanged
    /// files are not rewritten. Returns what was different before.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<Difference>, DocsError> {
        let differences = self.compare(dir)?;
        for difference in &differences {
            match difference {
                Difference::Missing(file) | Difference::Changed(file) => {
                    let path = dir.join(file);
                    if let Some(parent) = path.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| DocsError::io(parent, e))?;
                    }
                    let text = self.files.get(file).map(String::as_str).unwrap_or_default();
                    std::fs::write(&path, text).map_err(|e| DocsError::io(&path, e))?;
                }
                Difference::Stray(file) => {
                    let path = dir.join(file);
                    std::fs::remove_file(&path).map_err(|e| DocsError::io(&path, e))?;
                    remove_empty_parents(dir, &path);
                }
            }
        }
        Ok(differences)
    }
}

/// Every regular file under `dir`, relative, with `/` separators.
fn list_files(dir: &Path) -> Result<BTreeSet<String>, DocsError> {
    let mut files = BTreeSet::new();
    if !dir.exists() {
        return Ok(files);
    }
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current).map_err(|e| DocsError::io(&current, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| DocsError::io(&current, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| DocsError::io(&path, e))?;
            if kind.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(dir) {
                let parts: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                files.insert(parts.join("/"));
            }
        }
    }
    Ok(files)
}

/// Removes the now-empty directories between `file` and `root` (best effort:
/// a directory that still has entries stays).
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut current = file.parent();
    while let Some(dir) = current {
        if dir == root || !dir.starts_with(root) || std::fs::remove_dir(dir).is_err() {
            break;
        }
        current = dir.parent();
    }
}
