//! A deliberately tiny template language for the hand-written page templates
//! in `templates/`, using tfplugindocs' placeholder names so the templates
//! look familiar:
//!
//! | Placeholder | Replaced by |
//! |---|---|
//! | `{{ .Name }}` | the type name (`pve_user`), function name, or provider name |
//! | `{{ .Type }}` | `Resource`, `Data Source`, `Ephemeral Resource`, `List Resource`, `Provider` |
//! | `{{ .ProviderName }}` | `pve` |
//! | `{{ .Description }}` | the schema description |
//! | `{{ .ProviderVersion }}` | the provider's version (index page only) |
//! | `{{ .SchemaMarkdown }}` | the generated `## Schema` section |
//! | `{{ .Example }}` | the generated example-usage block (empty when there is none) |
//! | `{{ .Import }}` | the generated import section (resources; empty otherwise) |
//! | `{{ tffile "path" }}` | the file (relative to the repository root) in a `terraform` code block |
//! | `{{ codefile "lang" "path" }}` | the file in a code block of that language |
//!
//! Anything else between `{{` and `}}` is an error naming the template, so a
//! typo cannot silently produce a broken page.

use std::collections::BTreeMap;
use std::path::Path;

use super::DocsError;

/// The values of the `{{ .Field }}` placeholders for one page.
#[derive(Debug, Default, Clone)]
pub struct Context {
    fields: BTreeMap<&'static str, String>,
}

impl Context {
    /// Sets `{{ .<field> }}`.
    #[must_use]
    pub fn with(mut self, field: &'static str, value: impl Into<String>) -> Self {
        self.fields.insert(field, value.into());
        self
    }
}

/// Renders `template` (read from `template_path`, for error messages) with
/// `context`; files named by `tffile`/`codefile` are read under `root`.
pub fn render(
    template: &str,
    template_path: &Path,
    context: &Context,
    root: &Path,
) -> Result<String, DocsError> {
    let error = |message: String| DocsError::Template {
        path: template_path.to_path_buf(),
        message,
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| error("a `{{` is never closed by `}}`".to_string()))?;
        let directive = after[..end].trim();
        out.push_str(&expand(directive, context, root).map_err(error)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn expand(directive: &str, context: &Context, root: &Path) -> Result<String, String> {
    if let Some(field) = directive.strip_prefix('.') {
        return context
            .fields
            .get(field)
            .map(|value| value.trim_end().to_string())
            .ok_or_else(|| format!("unknown placeholder `{{{{ {directive} }}}}`"));
    }
    let words = split_words(directive)?;
    match words.as_slice() {
        [function, path] if function == "tffile" => code_file("terraform", root, path),
        [function, language, path] if function == "codefile" => code_file(language, root, path),
        _ => Err(format!(
            "unknown directive `{{{{ {directive} }}}}`; use a `.Field`, `tffile \"path\"` or `codefile \"lang\" \"path\"`"
        )),
    }
}

/// Splits `tffile "a b"` into words, honouring double quotes.
fn split_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => word.push(c),
                    None => return Err(format!("unterminated quote in `{text}`")),
                }
            }
            words.push(word);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            words.push(word);
        }
    }
    Ok(words)
}

fn code_file(language: &str, root: &Path, path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join(path))
        .map_err(|e| format!("cannot read `{path}`: {e}"))?;
    Ok(code_block(language, &text))
}

/// `text` in a fenced code block of `language`.
pub(crate) fn code_block(language: &str, text: &str) -> String {
    format!("```{language}\n{}\n```", text.trim_end())
}
